// Picks the next token from a logits row, as llama.cpp's common sampler chain does:
// repetition penalty over the last tokens, then top-k, top-p, min-p, temperature, and a seeded
// random draw; temperature 0 is greedy (argmax). The same seed gives the same choices.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "absl/status/status.h"

namespace rf {

struct SamplerOptions {
  float temperature = 0.8f;   // 0: greedy
  int32_t top_k = 40;         // <= 0: off
  float top_p = 0.95f;        // >= 1: off
  float min_p = 0.05f;        // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off (llama.cpp's default)
  int32_t repeat_last_n = 64;
  uint64_t seed = 0;
};

// Checks ranges (temperature >= 0, top_p in (0, 1], ...), naming the bad option.
absl::Status ValidateSamplerOptions(const SamplerOptions& options);

class Sampler {
 public:
  explicit Sampler(const SamplerOptions& options);
  // The next token; `history` is the prompt and the tokens generated so far.
  int32_t Sample(std::span<const float> logits, std::span<const int32_t> history);

 private:
  SamplerOptions options_;
  std::mt19937_64 rng_;
  std::vector<std::pair<float, int32_t>> candidates_;  // scratch
};

}  // namespace rf
