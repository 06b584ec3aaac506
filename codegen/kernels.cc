#include "codegen/kernels.h"

#include "absl/strings/str_cat.h"
#include "codegen/kernels_internal.h"

namespace rf::codegen {

absl::StatusOr<std::vector<KernelSpec>> EmitKernels(const plan::Instruction& inst,
                                                    const Target& target, StepKind kind,
                                                    int64_t max_batch) {
  switch (inst.op) {
    case plan::Opcode::kMatmul:
    case plan::Opcode::kMatmulAdd:
    case plan::Opcode::kRmsNormMatmul:
    case plan::Opcode::kMatmulSiluMul:
    case plan::Opcode::kRmsNormMatmulSiluMul:
    case plan::Opcode::kRmsNormMatmulQkv:
      return EmitMatmul(inst, target, kind, max_batch);
    case plan::Opcode::kAttention:
    case plan::Opcode::kRopeAttention:
      return EmitAttention(inst, target, kind, max_batch);
    case plan::Opcode::kCount:
      return absl::InvalidArgumentError("no kernel for an invalid opcode");
    default:
      return EmitRowwise(inst, target, kind);
  }
}

}  // namespace rf::codegen
