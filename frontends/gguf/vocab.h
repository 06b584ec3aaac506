// The tokenizer vocabulary of a GGUF model (tokenizer.ggml.* keys), resolved into the plain
// tokenizer::Vocab the runtime uses, following llama.cpp's loader so that the tokens match its:
//
//   tokenizer.ggml.model       "llama" (SentencePiece) or "gpt2" (byte-level BPE); others are
//                              reported as unsupported
//   tokenizer.ggml.pre         the BPE pre-tokenizer's name ("llama-bpe", "qwen2", ...)
//   tokenizer.ggml.tokens / scores / token_type / merges
//   tokenizer.ggml.*_token_id  special ids; one out of range keeps the default, as in llama.cpp
//                              (stories260K says padding_token_id = 4294967295), with a warning
//   tokenizer.ggml.add_bos_token / add_eos_token / add_space_prefix
//
// plus llama.cpp's conventions that live in no key: default special ids per model kind,
// per-pre-tokenizer flags, end-of-generation and control tokens recognised by their text
// ("<|im_end|>"), and a few per-model token attributes (Phi-3's specials swallow the whitespace
// after them).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontends/gguf/gguf.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::gguf {

// Reads and validates the vocabulary. Problems the model still works with (an out-of-range
// special id, an empty token text) are appended to `warnings` when it is given.
absl::StatusOr<tokenizer::Vocab> ReadVocab(const GgufFile& file,
                                           std::vector<std::string>* warnings = nullptr);

}  // namespace rf::gguf
