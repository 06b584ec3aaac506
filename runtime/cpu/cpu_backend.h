// The cpu backend: the plan's arena as one host allocation, weights copied in, the step programs
// run by the CPU executor. The reference for the GPU backend, and what rfrun uses without a GPU.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "runtime/backend.h"
#include "runtime/plan/plan.h"

namespace rf::cpu {

// `threads` <= 0: every hardware thread. The plan must be for target "cpu".
absl::StatusOr<std::unique_ptr<Backend>> CreateCpuBackend(
    std::shared_ptr<const plan::PlanFile> plan, int threads = 0);

}  // namespace rf::cpu
