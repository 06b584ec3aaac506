// Runs a plan's step programs on the CPU, op by op, on the one arena at the planned offsets — so a
// wrong memory plan or a wrong fusion shows up as wrong output. Each instruction calls the same
// CPU op code as the reference evaluator (runtime/cpu/ops.h).
//
// Instruction parameters, as compiler/plan_builder.cc writes them:
//   rope, rope_attention: ints {style (0 norm, 1 neox), n_rot}
//   rms_norm, add_rms_norm, rms_norm_matmul, rms_norm_matmul_silu_mul: floats {eps}
//   rope: floats {theta}; attention: floats {scale}; rope_attention: floats {theta, scale}
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/plan/plan.h"

namespace rf::cpu {

// Checks that every instruction of the plan's programs is well formed for its opcode (operand
// counts, ranks, types, agreeing dims, parameters) and that every tensor it touches fits the arena
// at T = max_batch, so that Run cannot read or write outside the arena. An error names the
// program, the instruction and its label.
absl::Status ValidatePrograms(const plan::Plan& plan);

// Runs `program` with T tokens on `arena`. Token ids and KV positions are checked as they are
// read (an id outside the table or a position outside the cache is an error, not a stray read).
absl::Status RunProgram(const plan::Program& program, uint8_t* arena, int64_t T, ThreadPool* pool);
// Runs instructions [begin, end) of `program` only (a debugging hook: Backend::RunInstructions).
absl::Status RunInstructions(const plan::Program& program, size_t begin, size_t end, uint8_t* arena,
                             int64_t T, ThreadPool* pool);

}  // namespace rf::cpu
