// Byte-level BPE (GGUF "gpt2" vocabularies: GPT-2, Llama 3, Qwen2, ...): the pre-tokenizer cuts
// text into words, each word is spelled in GPT-2's byte encoding, and within a word the adjacent
// pair with the lowest merge rank is merged until no listed merge applies.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "runtime/tokenizer/token_map.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::tokenizer {

class BpeEncoder {
 public:
  // Both must outlive the encoder.
  BpeEncoder(const Vocab& vocab, const TokenMap& tokens);

  // Appends the ids of `text` (one fragment between special tokens) to `out`.
  void Encode(absl::string_view text, std::vector<int32_t>* out) const;

 private:
  struct Merge {
    int32_t rank;
    int32_t result;  // the token spelled by the merged pair, or kNoToken
  };
  struct Symbol;
  using WordCache = absl::flat_hash_map<std::string, std::vector<int32_t>>;

  // Merges within one byte-encoded word and appends its tokens.
  void EncodeWord(absl::string_view word, std::vector<int32_t>* out) const;
  // The merge of two adjacent symbols, or rank -1.
  Merge Find(absl::string_view word, const Symbol& left, const Symbol& right) const;

  const Vocab& vocab_;
  const TokenMap& tokens_;
  // Merges of two tokens, keyed by (left id << 32 | right id): the common case, no strings.
  absl::flat_hash_map<uint64_t, Merge> by_ids_;
  // Merges with a side that is not a token, keyed by "left right" (llama.cpp allows them).
  absl::flat_hash_map<std::string, int32_t> by_text_;
};

}  // namespace rf::tokenizer
