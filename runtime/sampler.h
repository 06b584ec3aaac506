// Picks the next token from a logits row, as llama.cpp's common sampler chain does with its
// default order: repetition penalty over the last tokens, then top-k, top-p, min-p, temperature,
// and a seeded random draw; temperature 0 is greedy (argmax). The same seed gives the same choices.
//
// As in llama.cpp, top-p and min-p look at the probabilities before temperature (softmax of the
// penalized logits over what top-k kept), and temperature only reshapes the tokens they keep.
// Speed: with top-k (or greedy) one pass over the row keeps the best k in a small heap; nothing
// sorts the whole vocabulary. Without top-k, min-p cuts by a logit threshold and top-p sorts only
// as many of the best tokens as it needs.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace rf {

struct SamplerOptions {
  float temperature = 0.8f;     // 0: greedy
  int32_t top_k = 40;           // <= 0: off
  float top_p = 0.95f;          // 1: off
  float min_p = 0.05f;          // 0: off
  float repeat_penalty = 1.0f;  // 1: off (llama.cpp's default)
  int32_t repeat_last_n = 64;   // 0: off
  uint64_t seed = 0;
};

// Checks ranges (temperature >= 0, top_p in (0, 1], ...), naming the bad option.
absl::Status ValidateSamplerOptions(const SamplerOptions& options);

class Sampler {
 public:
  // `options` must be valid (ValidateSamplerOptions).
  explicit Sampler(const SamplerOptions& options);

  // The next token; `history` is the prompt and the tokens generated so far (ids outside the row
  // are ignored). An empty row gives -1.
  int32_t Sample(std::span<const float> logits, std::span<const int32_t> history);

  // What Sample would draw from, without drawing: (id, probability) of every token the filters
  // keep, most likely first (ties: lower id first). Greedy: the argmax with probability 1.
  std::vector<std::pair<int32_t, float>> Distribution(std::span<const float> logits,
                                                      std::span<const int32_t> history);

 private:
  using Candidate = std::pair<float, int32_t>;  // (logit, id)

  // Fills candidates_ with the tokens the filters keep and weights_ with their unnormalized
  // probabilities after temperature; returns the sum of the weights.
  double Prepare(std::span<const float> logits, std::span<const int32_t> history);
  void CollectPenalties(std::span<const float> logits, std::span<const int32_t> history);
  void SelectTopK(std::span<const float> logits, size_t k);
  void SelectAll(std::span<const float> logits);
  void ApplyTopPMinP();

  SamplerOptions options_;
  std::mt19937_64 rng_;
  std::vector<Candidate> candidates_;  // scratch
  std::vector<Candidate> penalized_;   // (penalized logit, id) of the recent tokens, by id
  std::vector<double> weights_;        // scratch, parallel to candidates_
  bool sorted_ = false;                // candidates_ is in Better order
};

}  // namespace rf
