// Kernel generation: HIP C++ source for each instruction of a plan's programs, specialized to its
// shapes, weight types, head counts and epsilons (all compile-time constants in the text), for a
// target (target.h). Arena offsets are resolved by the runtime at load: a kernel takes one pointer
// per operand and result, in the instruction's order, then the step scalars and the workspace:
//
//   RF_KERNEL void name(const T0* op0, ..., R0* res0, ..., const i32* step, u8* workspace)
//
// step[0] is the step's token count (prefill kernels loop up to it; decode kernels know it is 1).
// The workspace is scratch memory at the end of the activation region that a kernel may use
// within its own launch (split attention keeps its partial results there).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "codegen/target.h"
#include "runtime/plan/plan.h"

namespace rf::codegen {

enum class StepKind { kDecode, kPrefill };

// One kernel to launch for an instruction.
struct KernelSpec {
  std::string name;      // descriptive and unique per distinct body: "matmul_q8_0_896x1152_decode"
  std::string body;      // the source without the prelude
  uint32_t block = 128;  // threads (x only)
  // grid.x = grid_base + grid_per_tile * ceil(T / token_tile); grid.y = grid_y.
  uint32_t grid_base = 1;
  uint32_t grid_per_tile = 0;
  uint32_t token_tile = 1;
  uint32_t grid_y = 1;
  uint64_t workspace_bytes = 0;  // scratch it needs (zeroed once at load)
};

// The kernels that run `inst` in a step of `kind` (usually one; prefill attention takes two).
absl::StatusOr<std::vector<KernelSpec>> EmitKernels(const plan::Instruction& inst,
                                                    const Target& target, StepKind kind,
                                                    int64_t max_batch);

}  // namespace rf::codegen
