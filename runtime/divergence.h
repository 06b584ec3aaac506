// Finds the first instruction where two backends disagree: when a GPU plan's logits differ from
// the cpu plan's, run the step on both one instruction at a time (Backend::RunInstructions) and
// compare each instruction's results as they are written (Backend::ReadArena at each plan's own
// offsets; the arena reuses activation memory, so results are read right after their
// instruction). The two plans must come from the same graph (same instructions, result shapes
// and types; their arena offsets and weight layouts may differ, as cpu and GPU plans' do).
//
// A step is idempotent (it recomputes its activations and rewrites the same KV rows), so the
// search can re-run a step both backends have already taken; it leaves both as after that step.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/backend.h"
#include "runtime/plan/plan.h"

namespace rf {

struct Divergence {
  bool found = false;
  std::string program;     // "prefill" or "decode"
  size_t instruction = 0;  // index in the program
  std::string opcode;
  std::string label;  // the IR op it came from
  size_t result = 0;  // which result of the instruction
  int64_t elements = 0;
  int64_t worst_index = 0;  // element of the largest difference (flat, row-major)
  double test_value = 0, ref_value = 0;
  double max_abs = 0;      // max |test - ref| over the result
  double ref_max = 0;      // max |ref|
  int64_t mismatched = 0;  // elements over the tolerance (NaN counts)

  // One line: "decode instruction 12 (rope_attention, blk.1.attn): result 0 [1 x 8 x 8]: ...".
  std::string ToString() const;
};

struct DivergenceOptions {
  // A result differs where |test - ref| > tolerance * max(1, max |ref|) for some element (or one
  // is NaN and the other not).
  double tolerance = 1e-3;
  // Before each instruction, copy ref's operands (all but weights, whose layouts differ between
  // targets) into test's arena (Backend::WriteArena): every kernel is then checked on the same
  // inputs, so that rounding differences carried from earlier instructions and steps (an f16 KV
  // cache entry rounded the other way) do not show as a kernel's fault. Afterwards test's arena
  // holds ref's activations and caches.
  bool same_inputs = false;
};

// Runs the step over `tokens` at `first_position` on `test` and `ref` instruction by instruction
// and returns the first result that differs; found = false if none does.
absl::StatusOr<Divergence> FindDivergence(Backend& test, const plan::Plan& test_plan, Backend& ref,
                                          const plan::Plan& ref_plan,
                                          std::span<const int32_t> tokens, int64_t first_position,
                                          const DivergenceOptions& options = {});

}  // namespace rf
