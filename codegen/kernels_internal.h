// The per-family emitters behind EmitKernels (kernels.cc dispatches on the opcode).
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "codegen/kernels.h"

namespace rf::codegen {

// matmul, matmul_add, rms_norm_matmul, matmul_silu_mul, rms_norm_matmul_silu_mul (emit_matmul.cc)
absl::StatusOr<std::vector<KernelSpec>> EmitMatmul(const plan::Instruction& in,
                                                   const Target& target, StepKind kind,
                                                   int64_t max_batch);
// attention, rope_attention (emit_attention.cc)
absl::StatusOr<std::vector<KernelSpec>> EmitAttention(const plan::Instruction& in,
                                                      const Target& target, StepKind kind,
                                                      int64_t max_batch);
// embedding, rms_norm, add_rms_norm, add, mul, silu, gelu, softmax, rope, kv_store, last_token,
// argmax (emit_rowwise.cc)
absl::StatusOr<std::vector<KernelSpec>> EmitRowwise(const plan::Instruction& in,
                                                    const Target& target, StepKind kind);

}  // namespace rf::codegen
