// A device that runs a plan's step programs: the cpu executor (runtime/cpu) and the hip runtime
// (runtime/hip) implement it; the generation loop and rfbench drive it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"

namespace rf {

// What loading cost, for the statistics rfrun and rfbench print.
struct LoadStats {
  double read_ms = 0;            // mapping and checking the plan
  double upload_ms = 0;          // copying the weights into the arena
  double compile_ms = 0;         // kernels (GPU): compiled or taken from the cache
  int kernels_compiled = 0;
  int kernels_cached = 0;
  int device_allocations = 0;    // every allocation load made on the device (the arena: 1)
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
};

}  // namespace rf
