// Fills a plan with the kernels of a GPU target: every instruction of the decode program (T = 1,
// GEMV-shaped, captured once as a graph by the runtime) and of the prefill program (T tokens,
// GEMM-shaped) gets its kernels; identical sources are stored once, so the 24 layers of a model
// share a handful of compiles. The workspace the kernels need is appended to the activation
// region.
#pragma once

#include "absl/status/status.h"
#include "codegen/target.h"
#include "runtime/plan/plan.h"

namespace rf::codegen {

absl::Status GenerateKernels(plan::Plan& plan, const Target& target);

}  // namespace rf::codegen
