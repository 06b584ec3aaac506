// A device that runs a plan's step programs: the cpu executor (runtime/cpu) and the hip runtime
// (runtime/hip) implement it; the generation loop and rfbench drive it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace rf {

// What loading cost, for the statistics rfrun and rfbench print.
struct LoadStats {
  double read_ms = 0;     // mapping and checking the plan
  double upload_ms = 0;   // copying the weights into the arena
  double compile_ms = 0;  // kernels (GPU): compiled or taken from the cache
  int kernels_compiled = 0;
  int kernels_cached = 0;
  int device_allocations = 0;  // every allocation load made on the device (the arena: 1)
  uint64_t arena_bytes = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string name() const = 0;  // "cpu", "hip (NVIDIA H100 80GB HBM3, sm_90)"
  virtual const LoadStats& load_stats() const = 0;
  virtual int64_t max_context() const = 0;
  virtual int64_t max_batch() const = 0;
  virtual int64_t n_vocab() const = 0;

  // Runs one step over `tokens` at positions first_position, first_position + 1, ...: the decode
  // program for a single token, the prefill program for more (at most max_batch()). Returns the
  // logits of the last token ([n_vocab], valid until the next call). Positions must stay below
  // max_context(); earlier positions' KV entries must have been filled by earlier steps.
  virtual absl::StatusOr<std::span<const float>> Step(std::span<const int32_t> tokens,
                                                      int64_t first_position) = 0;

  // Debugging hooks, for finding the first instruction where two backends disagree
  // (runtime/divergence.h). A backend without them answers Unimplemented.
  //
  // Sets up the step over `tokens` at `first_position` as Step does (token ids, positions, step
  // scalars; the same checks) and runs only instructions [begin, end) of its program (decode for
  // one token, prefill for more); end is at most the program's length. Running [0, n) and then
  // [n, m) equals running [0, m); running [0, length) equals Step but for reading the logits.
  virtual absl::Status RunInstructions(std::span<const int32_t> tokens, int64_t first_position,
                                       size_t begin, size_t end) {
    return absl::UnimplementedError(absl::StrCat(name(), ": no RunInstructions"));
  }
  // Copies out.size() bytes of the arena at `offset` (the plan's offsets) into `out`.
  virtual absl::Status ReadArena(uint64_t offset, std::span<uint8_t> out) {
    return absl::UnimplementedError(absl::StrCat(name(), ": no ReadArena"));
  }
  // Copies `bytes` into the arena at `offset` (to give two backends the same inputs).
  virtual absl::Status WriteArena(uint64_t offset, std::span<const uint8_t> bytes) {
    return absl::UnimplementedError(absl::StrCat(name(), ": no WriteArena"));
  }
};

// The checks every backend's Step makes on its arguments: 1 to max_batch() tokens, ids inside the
// vocabulary, positions inside the context. Errors say which and what was expected.
inline absl::Status CheckStepArguments(const Backend& backend, std::span<const int32_t> tokens,
                                       int64_t first_position) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T < 1 || T > backend.max_batch()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a step takes 1 to ", backend.max_batch(), " tokens, got ", T));
  }
  if (first_position < 0 || first_position + T > backend.max_context()) {
    return absl::OutOfRangeError(absl::StrCat("positions ", first_position, "..",
                                              first_position + T - 1, " exceed the context of ",
                                              backend.max_context()));
  }
  for (int32_t id : tokens) {
    if (id < 0 || id >= backend.n_vocab()) {
      return absl::InvalidArgumentError(
          absl::StrCat("token id ", id, " is outside the vocabulary [0, ", backend.n_vocab(), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace rf
