// Ahead-of-time kernel compiles for AMD targets: `rfc compile --aot` stores each kernel's code
// object in the plan (loading then needs no compiler: the runtime uses a kernel's code object when
// the plan has one, hipRTC otherwise), `--report-kernels` prints what each kernel uses (registers,
// LDS, scratch, spills, occupancy) as read from its code object.
//
// The compiler is clang's AMDGPU backend (LLVM 19 from Debian, or ROCm's clang), the same backend
// hipRTC drives, with the options the runtime gives hipRTC (-O3 -std=c++17). Kernels compile in
// parallel, one clang process each. NVIDIA targets have no AMDGPU code objects: asking for either
// there is an error that says so.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "codegen/kernel_resources.h"
#include "codegen/target.h"
#include "runtime/plan/plan.h"

namespace rf::compiler {

struct AheadOfTimeOptions {
  bool store_code_objects = false;  // --aot: keep each code object in plan.kernels[i].code_object
  int threads = 0;                  // clang processes at once; 0: every hardware thread
};

// Compiles every kernel of `plan` (sources already generated) for `target`. Returns the resources
// of every kernel, in plan order, for --report-kernels and the kernel checks.
absl::StatusOr<codegen::CodeObjectResources> CompileKernelsAheadOfTime(
    plan::Plan& plan, const codegen::Target& target, const AheadOfTimeOptions& options);

}  // namespace rf::compiler
