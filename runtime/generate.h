// The generation loop: tokenize the prompt, prefill it in chunks of at most max_batch tokens,
// then decode one token per step until EOS, --max-tokens or the context limit, streaming text as
// it is produced (complete UTF-8 only) and timing each phase.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/backend.h"
#include "runtime/sampler.h"
#include "runtime/tokenizer/tokenizer.h"

namespace rf {

struct GenerateOptions {
  int32_t max_tokens = 128;
  SamplerOptions sampler;
};

enum class StopReason { kEndOfGeneration, kMaxTokens, kContextFull };
const char* StopReasonText(StopReason reason);

struct GenerateResult {
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> generated_ids;
  StopReason stop = StopReason::kMaxTokens;
  double prefill_ms = 0;
  double decode_ms = 0;  // all decode steps together
  double prefill_tokens_per_s() const;
  double decode_tokens_per_s() const;
};

// Calls on_token(id, text) for every generated token as soon as it is sampled; `text` holds the
// complete UTF-8 characters it finishes (possibly empty while a character is incomplete). An EOS
// token is not passed on.
absl::StatusOr<GenerateResult> Generate(
    Backend& backend, const tokenizer::Tokenizer& tokenizer, absl::string_view prompt,
    const GenerateOptions& options,
    const std::function<void(int32_t id, absl::string_view text)>& on_token);

}  // namespace rf
