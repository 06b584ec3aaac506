// The generation loop: tokenize the prompt, prefill it in chunks of at most max_batch tokens,
// then decode one token per step until EOS, --max-tokens or the context limit, streaming text as
// it is produced (complete UTF-8 only) and timing each phase.
//
// Positions: the prompt fills 0 .. P-1; the token sampled from the prompt's last logits is run at
// position P, and so on. The token sampled after the step at position max_context - 1 is still
// emitted (it needs no step of its own), then generation stops with kContextFull.
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
  int32_t max_tokens = 128;  // -1: until EOS or the context is full
  SamplerOptions sampler;
};

enum class StopReason { kEndOfGeneration, kMaxTokens, kContextFull };
const char* StopReasonText(StopReason reason);

struct GenerateResult {
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> generated_ids;  // without the end-of-generation token
  std::string text;                    // everything streamed, concatenated
  StopReason stop = StopReason::kMaxTokens;
  double prefill_ms = 0;  // all prefill steps together
  double decode_ms = 0;   // all decode steps together (the backend only)
  double sample_ms = 0;   // choosing tokens, for every generated token
  int64_t decode_steps = 0;
  double prefill_tokens_per_s() const;
  double decode_tokens_per_s() const;  // decode steps per second
};

// Calls on_token(id, text) for every generated token as soon as it is sampled; `text` holds the
// complete UTF-8 characters it finishes (possibly empty while a character is incomplete). An EOS
// token is not passed on. When generation stops inside a character, one last call with id -1
// passes U+FFFD for it, so the streamed text is always valid UTF-8 and equals result.text.
//
// The prompt is tokenized as llama.cpp's llama-cli does: BOS (and EOS) as the vocabulary says,
// and texts of special tokens ("<|im_start|>") become those tokens.
absl::StatusOr<GenerateResult> Generate(
    Backend& backend, const tokenizer::Tokenizer& tokenizer, absl::string_view prompt,
    const GenerateOptions& options,
    const std::function<void(int32_t id, absl::string_view text)>& on_token);

}  // namespace rf
