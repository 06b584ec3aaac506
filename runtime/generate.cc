#include "runtime/generate.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "runtime/tokenizer/stream_decoder.h"
#include "support/clock.h"
#include "support/debug.h"
#include "support/status.h"

namespace rf {
namespace {

using Clock = std::chrono::steady_clock;

// One backend step, its logits checked against the vocabulary size the backend promised.
absl::StatusOr<std::span<const float>> RunStep(Backend& backend, std::span<const int32_t> tokens,
                                               int64_t first_position, absl::string_view phase) {
  auto logits = backend.Step(tokens, first_position);
  if (!logits.ok()) {
    return WithContext(logits.status(), absl::StrCat(phase, " step at position ", first_position,
                                                     " (", tokens.size(), " tokens)"));
  }
  if (int64_t(logits->size()) != backend.n_vocab()) {
    return absl::InternalError(absl::StrCat(
        backend.name(), " backend: ", phase, " step at position ", first_position, " returned ",
        logits->size(), " logits, expected n_vocab = ", backend.n_vocab()));
  }
  return *logits;
}

absl::Status CheckArguments(const Backend& backend, const GenerateOptions& options) {
  RF_RETURN_IF_ERROR(ValidateSamplerOptions(options.sampler));
  if (options.max_tokens < -1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_tokens = ", options.max_tokens,
                     " is out of range: expected >= 0, or -1 for no limit"));
  }
  if (backend.max_context() < 1 || backend.max_batch() < 1 || backend.n_vocab() < 1) {
    return absl::InternalError(absl::StrCat(
        backend.name(), " backend reports max_context ", backend.max_context(), ", max_batch ",
        backend.max_batch(), ", n_vocab ", backend.n_vocab(), "; all must be >= 1"));
  }
  return absl::OkStatus();
}

}  // namespace

const char* StopReasonText(StopReason reason) {
  switch (reason) {
    case StopReason::kEndOfGeneration:
      return "end of generation";
    case StopReason::kMaxTokens:
      return "max tokens";
    case StopReason::kContextFull:
      return "context full";
  }
  return "?";
}

double GenerateResult::prefill_tokens_per_s() const {
  return prefill_ms > 0 ? double(prompt_ids.size()) * 1000.0 / prefill_ms : 0.0;
}

double GenerateResult::decode_tokens_per_s() const {
  return decode_ms > 0 ? double(decode_steps) * 1000.0 / decode_ms : 0.0;
}

absl::StatusOr<GenerateResult> Generate(
    Backend& backend, const tokenizer::Tokenizer& tokenizer, absl::string_view prompt,
    const GenerateOptions& options,
    const std::function<void(int32_t id, absl::string_view text)>& on_token) {
  RF_RETURN_IF_ERROR(CheckArguments(backend, options));
  GenerateResult result;
  result.prompt_ids = tokenizer.Encode(prompt, /*add_special=*/true, /*parse_special=*/true);
  const int64_t n_prompt = int64_t(result.prompt_ids.size());
  const int64_t max_context = backend.max_context();
  if (n_prompt == 0) {
    return absl::InvalidArgumentError(
        "the prompt is empty after tokenization (this vocabulary adds no BOS token), so there is "
        "nothing to continue; give a non-empty prompt");
  }
  if (n_prompt > max_context) {
    return absl::InvalidArgumentError(
        absl::StrCat("the prompt has ", n_prompt, " tokens but the context holds ", max_context,
                     "; shorten the prompt or compile the plan with a larger --max-context"));
  }

  // Prefill: the prompt in chunks of at most max_batch tokens.
  std::span<const float> logits;
  const auto prefill_start = Clock::now();
  for (int64_t first = 0; first < n_prompt; first += backend.max_batch()) {
    const int64_t count = std::min(backend.max_batch(), n_prompt - first);
    RF_ASSIGN_OR_RETURN(logits, RunStep(backend, std::span(result.prompt_ids).subspan(first, count),
                                        first, "prefill"));
    RF_DEBUG_LOG(2, "generate: prefill positions %d..%d", first, first + count - 1);
  }
  result.prefill_ms = MsSince(prefill_start);
  RF_DEBUG_LOG(1, "generate: prefill of %d tokens in %.2f ms (max_batch %d, max_context %d)",
               n_prompt, result.prefill_ms, backend.max_batch(), max_context);

  // Decode: sample from the last logits, stream the token, run it, repeat.
  Sampler sampler(options.sampler);
  tokenizer::StreamDecoder decoder(tokenizer);
  std::vector<int32_t> history = result.prompt_ids;
  const int64_t max_tokens = options.max_tokens;
  while (true) {
    if (max_tokens >= 0 && int64_t(result.generated_ids.size()) >= max_tokens) {
      result.stop = StopReason::kMaxTokens;
      break;
    }
    const auto sample_start = Clock::now();
    const int32_t id = sampler.Sample(logits, history);
    result.sample_ms += MsSince(sample_start);
    if (tokenizer.IsEndOfGeneration(id)) {
      result.stop = StopReason::kEndOfGeneration;
      break;
    }
    result.generated_ids.push_back(id);
    history.push_back(id);
    const std::string text = decoder.Next(id);
    result.text += text;
    if (on_token) on_token(id, text);

    if (max_tokens >= 0 && int64_t(result.generated_ids.size()) >= max_tokens) {
      result.stop = StopReason::kMaxTokens;  // no step for a token nothing will follow
      break;
    }
    const int64_t position = int64_t(history.size()) - 1;
    if (position >= max_context) {
      result.stop = StopReason::kContextFull;
      break;
    }
    const auto step_start = Clock::now();
    RF_ASSIGN_OR_RETURN(logits,
                        RunStep(backend, std::span(&history.back(), 1), position, "decode"));
    const double step_ms = MsSince(step_start);
    result.decode_ms += step_ms;
    ++result.decode_steps;
    RF_DEBUG_LOG(3, "generate: position %d: token %d, step %.3f ms", position, id, step_ms);
  }

  const std::string tail = decoder.Finish();
  if (!tail.empty()) {
    result.text += tail;
    if (on_token) on_token(-1, tail);
  }
  return result;
}

}  // namespace rf
