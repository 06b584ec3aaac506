// Text <-> token ids for a model's vocabulary, exactly as llama.cpp (the reference the models are
// checked against) tokenizes: SentencePiece ("llama") and byte-level BPE ("gpt2") vocabularies.
//
//   auto tok = Tokenizer::Create(std::move(vocab));
//   std::vector<int32_t> ids = (*tok)->Encode("Hello", /*add_special=*/true,
//   /*parse_special=*/true); absl::StatusOr<std::string> text = (*tok)->Decode(ids, {});
//
// Encoding never fails: any bytes are valid input (invalid UTF-8 is handled the way llama.cpp
// handles it). A Tokenizer is immutable after Create and safe to use from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/tokenizer/bpe.h"
#include "runtime/tokenizer/special_tokens.h"
#include "runtime/tokenizer/spm.h"
#include "runtime/tokenizer/token_map.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::tokenizer {

struct DecodeOptions {
  bool remove_special = false;  // drop a leading bos / trailing eos the encoder would have added
  bool render_special = false;  // print control tokens' texts (else they decode to nothing)
  bool clean_spaces = true;     // apply the vocabulary's clean-up (" ," -> ",") if it has one
};

class Tokenizer {
 public:
  // Validates `vocab` (ValidateVocab) and builds the lookup tables.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(Vocab vocab);
  Tokenizer(const Tokenizer&) = delete;  // the encoders point into it
  Tokenizer& operator=(const Tokenizer&) = delete;

  // The ids of `text`. add_special: bos/eos as the vocabulary's add_bos/add_eos say.
  // parse_special: texts of control tokens become those tokens (user-defined tokens always do).
  std::vector<int32_t> Encode(absl::string_view text, bool add_special, bool parse_special) const;

  // The bytes one token stands for (llama_token_to_piece). May be part of a UTF-8 character.
  // Control and unknown tokens give "" unless `render_special`; an id out of range gives "".
  absl::string_view TokenToPiece(int32_t id, bool render_special) const;

  // The text of `ids` (llama_detokenize). An id out of range is an error.
  absl::StatusOr<std::string> Decode(std::span<const int32_t> ids,
                                     const DecodeOptions& options) const;

  const Vocab& vocab() const { return vocab_; }
  int32_t n_tokens() const { return static_cast<int32_t>(vocab_.tokens.size()); }
  bool IsEndOfGeneration(int32_t id) const;

 private:
  explicit Tokenizer(Vocab vocab);
  std::string ComputePiece(int32_t id) const;

  Vocab vocab_;
  TokenMap token_map_;
  std::vector<std::string> pieces_;  // id -> piece with specials rendered
  std::optional<SpecialTokenSplitter> specials_;
  std::optional<SpmEncoder> spm_;
  std::optional<BpeEncoder> bpe_;
};

}  // namespace rf::tokenizer
