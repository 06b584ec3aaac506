#include "runtime/tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "runtime/tokenizer/byte_encoding.h"
#include "runtime/tokenizer/unicode.h"
#include "support/debug.h"
#include "support/status.h"

namespace rf::tokenizer {
namespace {

constexpr absl::string_view kSpmSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// The byte a byte token (<0x41>) stands for, read the way llama.cpp reads it (strtol of the two
// characters after "<0x"), so odd texts give the same byte.
char ByteOfByteToken(absl::string_view text) {
  const std::string hex(text.substr(std::min<size_t>(3, text.size()), 2));
  return static_cast<char>(std::strtol(hex.c_str(), nullptr, 16));
}

// A byte-level BPE token's text back to bytes. A code point that stands for no byte is kept in
// llama.cpp's odd "[UNK_BYTE_0x<hex of its UTF-8><token text>]" form.
std::string DecodeByteLevel(absl::string_view text) {
  std::string out;
  for (uint32_t cpt : DecodeUtf8(text)) {
    const int byte = CodepointToByte(cpt);
    if (byte >= 0) {
      out.push_back(static_cast<char>(byte));
      continue;
    }
    std::string utf8;
    AppendUtf8(cpt, &utf8);
    absl::StrAppend(&out, "[UNK_BYTE_0x");
    for (char c : utf8) absl::StrAppendFormat(&out, "%02x", static_cast<uint8_t>(c));
    absl::StrAppend(&out, text, "]");
  }
  return out;
}

// llama.cpp's clean_up_tokenization_spaces, done in place with the same three passes (the passes
// read bytes the previous writes may have moved, so the exact order of reads and writes matters).
void CleanSpaces(std::string& s) {
  const int n0 = static_cast<int>(s.size());
  // 1: " ?" " !" " ." " ," lose the space.
  int n = n0 ? 1 : 0;
  for (int i = 1; i < n0; ++i) {
    const char x = s[i];
    if (s[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --n;
    s[n++] = x;
  }
  // 2: " ' " becomes "'".
  const int n1 = n;
  n = n1 ? 1 : 0;
  for (int i = 1; i < n1; ++i) {
    const char x = s[i];
    if (x == '\'' && i + 1 < n1 && s[i - 1] == ' ' && s[i + 1] == ' ') {
      --n;
      s[++i] = '\0';
    }
    s[n++] = x;
  }
  // 3: " 's" " 'm" " 're" " 've" lose the space (" 't" " 'd" " 'll" keep it).
  const int n2 = n;
  n = n2 ? 1 : 0;
  for (int i = 1; i < n2; ++i) {
    const char x = s[i];
    if (s[i - 1] == ' ' && x == '\'' && i + 1 < n2) {
      const char x1 = s[i + 1];
      if (x1 == 's' || x1 == 'm') {
        --n;
      } else if (x1 != 't' && x1 != 'd' && i + 2 < n2) {
        const char x2 = s[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --n;
      }
    }
    s[n++] = x;
  }
  s.resize(n);
}

}  // namespace

Tokenizer::Tokenizer(Vocab vocab) : vocab_(std::move(vocab)) {}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Create(Vocab vocab) {
  RF_RETURN_IF_ERROR(ValidateVocab(vocab));
  std::unique_ptr<Tokenizer> t(new Tokenizer(std::move(vocab)));
  const Vocab& v = t->vocab_;
  t->token_map_.reserve(v.tokens.size());
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    t->token_map_.emplace(v.tokens[id], static_cast<int32_t>(id));
  }
  t->pieces_.reserve(v.tokens.size());
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    t->pieces_.push_back(t->ComputePiece(static_cast<int32_t>(id)));
  }
  t->specials_.emplace(v);
  if (v.model == ModelKind::kSentencePiece) {
    t->spm_.emplace(v, t->token_map_);
  } else {
    t->bpe_.emplace(v, t->token_map_);
  }
  RF_DEBUG_LOG(1, "tokenizer: %s%s%s, %d tokens, %d merges, %d end-of-generation ids",
               ModelKindName(v.model), v.pre_name.empty() ? "" : "/", v.pre_name, v.tokens.size(),
               v.merges.size(), v.eog.size());
  return t;
}

std::string Tokenizer::ComputePiece(int32_t id) const {
  const std::string& text = vocab_.tokens[id];
  const uint32_t attr = vocab_.attrs[id];
  if (attr & (kAttrUnknown | kAttrControl | kAttrUserDefined)) return text;
  if (attr & kAttrNormal) {
    if (vocab_.model == ModelKind::kSentencePiece)
      return absl::StrReplaceAll(text, {{kSpmSpace, " "}});
    return DecodeByteLevel(text);
  }
  if (attr & kAttrByte) return std::string(1, ByteOfByteToken(text));
  return "";  // undefined or unused: nothing
}

absl::string_view Tokenizer::TokenToPiece(int32_t id, bool render_special) const {
  if (id < 0 || id >= n_tokens()) return {};
  if (!render_special && (vocab_.attrs[id] & (kAttrUnknown | kAttrControl))) return {};
  return pieces_[id];
}

bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  return std::binary_search(vocab_.eog.begin(), vocab_.eog.end(), id);
}

std::vector<int32_t> Tokenizer::Encode(absl::string_view text, bool add_special,
                                       bool parse_special) const {
  std::vector<int32_t> out;
  const std::vector<Fragment> fragments = specials_->Split(text, parse_special);
  if (add_special && vocab_.add_bos) out.push_back(vocab_.bos);
  if (spm_) {
    // A space goes before the text and after every special token (SentencePiece's dummy prefix).
    bool after_special = true;
    std::string piece;
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        out.push_back(f.token);
        after_special = true;
        continue;
      }
      piece.clear();
      if (vocab_.add_space_prefix && after_special) piece.push_back(' ');
      piece.append(text.data() + f.offset, f.length);
      spm_->Encode(absl::StrReplaceAll(piece, {{" ", kSpmSpace}}), &out);
      after_special = false;
    }
  } else {
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        out.push_back(f.token);
      } else {
        bpe_->Encode(text.substr(f.offset, f.length), &out);
      }
    }
  }
  if (add_special && vocab_.add_eos) out.push_back(vocab_.eos);
  return out;
}

absl::StatusOr<std::string> Tokenizer::Decode(std::span<const int32_t> ids,
                                              const DecodeOptions& options) const {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= n_tokens()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("token %d (at position %d) is out of range: the vocabulary has %d tokens",
                          ids[i], i, n_tokens()));
    }
  }
  // SentencePiece's leading space is removed, except (as in llama.cpp) after a removed bos.
  bool strip_space = vocab_.add_space_prefix;
  if (options.remove_special && vocab_.add_bos && !ids.empty() && ids.front() == vocab_.bos) {
    strip_space = false;
    ids = ids.subspan(1);
  }
  if (options.remove_special && vocab_.add_eos && !ids.empty() && ids.back() == vocab_.eos) {
    ids = ids.subspan(0, ids.size() - 1);
  }
  std::string text;
  for (int32_t id : ids) {
    absl::string_view piece = TokenToPiece(id, options.render_special);
    if (strip_space && !piece.empty() && piece.front() == ' ') piece.remove_prefix(1);
    strip_space = false;
    text.append(piece.data(), piece.size());
  }
  if (options.clean_spaces && vocab_.clean_spaces) CleanSpaces(text);
  return text;
}

}  // namespace rf::tokenizer
