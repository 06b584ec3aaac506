// Runs llama.cpp (the oracle's llama-logits) greedily on a model and reads back what it did: the
// prompt's token ids, the greedy token of each step, and each step's full logits row. Tests feed
// the same tokens to rf and compare logits step by step.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace rf::testing {

struct OracleRun {
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> greedy_ids;         // the token chosen at each step
  std::vector<std::vector<float>> logits;  // [steps][n_vocab]: after the prompt, then each token
  std::string text;                        // the last line llama-logits printed (the text)
};

// `steps` greedy steps (fewer if llama.cpp stops at EOS).
absl::StatusOr<OracleRun> RunOracle(const std::string& model, const std::string& prompt, int steps,
                                    int n_vocab);

// Closeness of two logits rows: max |a - b| and ||a - b|| / ||b||.
struct LogitsDiff {
  double max_abs = 0;
  double rel_l2 = 0;
};
LogitsDiff CompareLogits(const std::vector<float>& ours, const std::vector<float>& reference);

// The gap between the best and second-best logit of a row.
double Top2Margin(const std::vector<float>& logits);
int32_t ArgMax(const std::vector<float>& logits);

// Quantizes `in` with llama.cpp's quantizer (`llama-logits --quantize`) into `out`.
absl::Status OracleQuantize(const std::string& in, const std::string& out, const std::string& type);

}  // namespace rf::testing
