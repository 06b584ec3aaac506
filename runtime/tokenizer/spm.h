// SentencePiece-style encoding (GGUF "llama" vocabularies: Llama 1/2, Phi-3, TinyStories):
// start from single UTF-8 characters and repeatedly merge the adjacent pair whose concatenation
// is the token with the highest score; what never becomes a token is spelled with byte tokens
// (<0x41>) -- "byte fallback".
#pragma once

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/tokenizer/token_map.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::tokenizer {

class SpmEncoder {
 public:
  // Both must outlive the encoder.
  SpmEncoder(const Vocab& vocab, const TokenMap& tokens);

  // Appends the ids of `text` (spaces already replaced by U+2581) to `out`.
  void Encode(absl::string_view text, std::vector<int32_t>* out) const;

 private:
  void AppendBytes(absl::string_view text, std::vector<int32_t>* out) const;

  const Vocab& vocab_;
  const TokenMap& tokens_;
  int32_t byte_token_[256];       // the token for each byte: <0xXX>, else the byte itself, else unk
  bool split_at_spaces_ = false;  // words can be merged one at a time (see the constructor)
};

}  // namespace rf::tokenizer
