// Internal to rf_plan (and its tests and fuzzer): the binary encoding of the structured sections.
//
//   str    u32 length + bytes          ref   u64 offset, u32 type, u8 rank, rank x i64 dims
//   meta      str arch, str name, u32 n_vocab, u32 max_context, u32 max_batch,
//             u64 arena weights, kv_cache, activations, step_params, u64 n_tokens_offset,
//             u64 workspace_offset, u64 workspace_bytes,
//             u32 n_inputs x {str name, ref}, u32 n_outputs x {str name, ref}
//   kernels   u32 count x {str name, str source, u32 block, u32 grid_base, u32 grid_per_tile,
//             u32 token_tile, u32 grid_y, str code_object}
//   programs  prefill then decode, each: str name, u32 count x instruction
//             instruction: u16 opcode, u32 n x i32 kernel, str label, u32 n x ref operands,
//             u32 n x ref results, u32 n x i64 ints, u32 n x f32 floats
//
// The decoders check as they read, so that an error names the byte it is about: counts and lengths
// against the bytes left, names, opcodes, kernel indices, launch shapes, and every tensor's shape,
// type and place in the arena (DecodePrograms needs the meta and kernels sections decoded first).
// A section must be used up exactly. The writer runs the same decoders over what it encoded.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "runtime/plan/plan.h"
#include "support/byte_reader.h"

namespace rf::plan::internal {

std::vector<uint8_t> EncodeMeta(const Plan& plan);
std::vector<uint8_t> EncodeKernels(const Plan& plan);
std::vector<uint8_t> EncodePrograms(const Plan& plan);

// Fill plan->model, arena, n_tokens_offset, inputs, outputs.
absl::Status DecodeMeta(ByteReader& in, Plan* plan);
// Fills plan->kernels.
absl::Status DecodeKernels(ByteReader& in, Plan* plan);
// Fills plan->prefill and plan->decode; plan->arena, model and kernels must be set.
absl::Status DecodePrograms(ByteReader& in, Plan* plan);

}  // namespace rf::plan::internal
