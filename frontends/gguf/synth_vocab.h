// The tokenizer of a synthesized model, copied from a vocab GGUF (llama.cpp's
// models/ggml-vocab-*.gguf) and fitted to the model's vocabulary size.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/gguf_writer.h"

namespace rf::gguf {

// The number of tokens in `vocab` (its tokenizer.ggml.tokens array).
absl::StatusOr<uint32_t> TokenizerSize(const GgufFile& vocab);

// Copies every tokenizer.* key of `vocab` into `out`, with the token list resized to `n_vocab`:
//   - a longer list is padded as llama.cpp's converter pads a tokenizer smaller than the model's
//     embedding: tokens "[PAD<id>]" of type UNUSED (5), score -1000;
//   - a shorter list keeps its first n_vocab tokens, drops the merges that use or produce a dropped
//     token, and drops special-token ids (tokenizer.ggml.*_token_id) that point past the end.
// Returns a one-line note of what was changed ("" when the sizes already agree).
absl::StatusOr<std::string> CopyTokenizer(const GgufFile& vocab, uint32_t n_vocab, GgufWriter& out);

}  // namespace rf::gguf
