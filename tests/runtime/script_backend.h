// A Backend for testing the generation loop without a model: it knows one token sequence (the
// script) and, after reading a prefix of it, puts its highest logit on the script's next token;
// after anything else, on a fixed `off_script` token. Like a real model it keeps a KV cache: each
// step writes its tokens at their positions and predicts from every position before, so a lost,
// repeated or misplaced prefill chunk changes what it says. It enforces the Backend contract
// (1..max_batch tokens, positions below max_context, no unwritten positions before the step) by
// failing the step, as a real backend would produce garbage or fail.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "runtime/backend.h"

namespace rf::testing {

class ScriptBackend : public Backend {
 public:
  struct Call {
    int64_t first_position;
    std::vector<int32_t> tokens;
  };

  // peak: how far the predicted token's logit stands above the others (which lie in [-0.12, 0],
  // a fixed pattern by id): 10 makes every sampler pick it, ~1 leaves real choices.
  ScriptBackend(std::vector<int32_t> script, int64_t n_vocab, int64_t max_context,
                int64_t max_batch, int32_t off_script = 0, float peak = 10.0f)
      : script_(std::move(script)),
        n_vocab_(n_vocab),
        max_context_(max_context),
        max_batch_(max_batch),
        off_script_(off_script),
        peak_(peak),
        cache_(size_t(max_context), -1),
        logits_(size_t(n_vocab)) {}

  std::string name() const override { return "script"; }
  const LoadStats& load_stats() const override { return stats_; }
  int64_t max_context() const override { return max_context_; }
  int64_t max_batch() const override { return max_batch_; }
  int64_t n_vocab() const override { return n_vocab_; }

  absl::StatusOr<std::span<const float>> Step(std::span<const int32_t> tokens,
                                              int64_t first_position) override {
    calls_.push_back({first_position, std::vector<int32_t>(tokens.begin(), tokens.end())});
    const int64_t n = int64_t(tokens.size());
    if (n < 1 || n > max_batch_) {
      return absl::InvalidArgumentError(
          absl::StrCat("step of ", n, " tokens, max_batch ", max_batch_));
    }
    if (first_position < 0 || first_position + n > max_context_) {
      return absl::OutOfRangeError(absl::StrCat("positions ", first_position, "..",
                                                first_position + n - 1, " outside the context of ",
                                                max_context_));
    }
    if (first_position > filled_) {
      return absl::FailedPreconditionError(
          absl::StrCat("step at ", first_position, " but only ", filled_, " positions written"));
    }
    if (fail_at_ >= 0 && first_position + n > fail_at_) {
      return absl::InternalError("device lost (test)");
    }
    std::copy(tokens.begin(), tokens.end(), cache_.begin() + first_position);
    filled_ = first_position + n;  // later positions are stale, as in a real KV cache

    const bool on_script = filled_ < int64_t(script_.size()) &&
                           std::equal(cache_.begin(), cache_.begin() + filled_, script_.begin());
    const int32_t next = on_script ? script_[size_t(filled_)] : off_script_;
    for (int64_t j = 0; j < n_vocab_; ++j) logits_[size_t(j)] = -0.01f * float(j % 13);
    logits_[size_t(next)] = peak_;
    return std::span<const float>(logits_);
  }

  const std::vector<Call>& calls() const { return calls_; }
  void FailFromPosition(int64_t position) { fail_at_ = position; }

 private:
  std::vector<int32_t> script_;
  int64_t n_vocab_, max_context_, max_batch_;
  int32_t off_script_;
  float peak_;
  std::vector<int32_t> cache_;
  int64_t filled_ = 0;
  int64_t fail_at_ = -1;
  std::vector<float> logits_;
  std::vector<Call> calls_;
  LoadStats stats_;
};

}  // namespace rf::testing
