// The data a tokenizer is built from: a plain struct, independent of any file format.
//
// The GGUF frontend fills it (frontends/gguf/vocab.cc resolves every llama.cpp convention: default
// special ids, token attributes guessed from token texts, per-pre-tokenizer flags), the compiler
// stores it in the plan (SerializeVocab), and the runtime builds a Tokenizer from it. Everything a
// tokenizer needs is explicit here, so the runtime never looks at GGUF metadata.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rf::tokenizer {

inline constexpr int32_t kNoToken = -1;

enum class ModelKind : uint8_t {
  kSentencePiece = 1,  // GGUF "llama": score-driven merges, byte fallback, "▁" for spaces
  kBpe = 2,            // GGUF "gpt2": byte-level BPE with merge ranks and a pre-tokenizer
};

// How byte-level BPE splits text into words before merging (GGUF tokenizer.ggml.pre selects one;
// several names share a splitter). Each is llama.cpp's regex list for that name, hand-written.
enum class PreTokenizer : uint8_t {
  kNone = 0,       // SentencePiece: no pre-tokenizer
  kDefault = 1,    // llama.cpp's fallback for BPE files without a pre-tokenizer name
  kGpt2 = 2,       // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
  kLlama3 = 3,     // Llama 3: letters with one leading non-letter, digits in threes, ...
  kQwen2 = 4,      // as Llama 3 but single digits
  kQwen35 = 5,     // as Qwen2 but letter runs take combining marks
  kStarcoder = 6,  // every digit alone, then gpt2
  kFalcon = 7,     // punctuation runs, gpt2, ASCII digit triples
  kDeepseekLlm = 8,
  kDeepseekCoder = 9,
};
inline constexpr int kMaxPreTokenizer = 9;

// Token attributes: a bit set with the values of llama.cpp's llama_token_attr, so attributes
// derived from GGUF token types compare one to one with the oracle's.
enum TokenAttr : uint32_t {
  kAttrUndefined = 0,
  kAttrUnknown = 1 << 0,
  kAttrUnused = 1 << 1,
  kAttrNormal = 1 << 2,
  kAttrControl = 1 << 3,
  kAttrUserDefined = 1 << 4,
  kAttrByte = 1 << 5,
  kAttrNormalized = 1 << 6,
  kAttrLstrip = 1 << 7,  // parsing specials: strip whitespace left of this token
  kAttrRstrip = 1 << 8,  // ... and right of it
  kAttrSingleWord = 1 << 9,
  kAttrAll = (1 << 10) - 1,
};

struct Vocab {
  ModelKind model = ModelKind::kSentencePiece;
  PreTokenizer pre = PreTokenizer::kNone;
  std::string pre_name;  // as the model file spells it ("qwen2"), for messages only

  std::vector<std::string> tokens;  // id -> text (non-empty, unique)
  std::vector<float> scores;        // id -> score (SentencePiece merges by it); may be all 0
  std::vector<uint32_t> attrs;      // id -> TokenAttr bits
  std::vector<std::string> merges;  // BPE: "left right"; a merge's rank is its index

  // Special ids, kNoToken when the model has none.
  int32_t bos = kNoToken;
  int32_t eos = kNoToken;
  int32_t eot = kNoToken;
  int32_t eom = kNoToken;
  int32_t unk = kNoToken;
  int32_t sep = kNoToken;
  int32_t pad = kNoToken;
  int32_t mask = kNoToken;
  std::vector<int32_t> eog;  // every id that ends generation (eos, eot, <|im_end|>, ...), sorted

  bool add_bos = false;           // Encode(add_special) puts bos first
  bool add_eos = false;           // ... and eos last
  bool add_space_prefix = false;  // SentencePiece: a space before the text (and after specials)
  bool ignore_merges = false;     // BPE: a word that is a token is taken whole (Llama 3)
  bool clean_spaces = false;      // Decode removes the space before . , ! ? and some contractions
};

// Checks that `vocab` is consistent: sizes agree, ids are in range, texts are non-empty and
// unique, enums are known, scores are not NaN, the model kind and pre-tokenizer agree, add_bos and
// add_eos have an id to add. The error names the first problem ("token 17: empty text").
absl::Status ValidateVocab(const Vocab& vocab);

// "sentencepiece" / "bpe"; the pre-tokenizer's name in messages ("qwen2").
absl::string_view ModelKindName(ModelKind kind);
absl::string_view PreTokenizerName(PreTokenizer pre);

}  // namespace rf::tokenizer
