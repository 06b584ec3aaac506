#include "runtime/tokenizer/vocab.h"

#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rf::tokenizer {
namespace {

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("vocabulary: ", message));
}

}  // namespace

absl::string_view ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kSentencePiece:
      return "sentencepiece";
    case ModelKind::kBpe:
      return "bpe";
  }
  return "unknown";
}

absl::string_view PreTokenizerName(PreTokenizer pre) {
  switch (pre) {
    case PreTokenizer::kNone:
      return "none";
    case PreTokenizer::kDefault:
      return "default";
    case PreTokenizer::kGpt2:
      return "gpt2";
    case PreTokenizer::kLlama3:
      return "llama3";
    case PreTokenizer::kQwen2:
      return "qwen2";
    case PreTokenizer::kQwen35:
      return "qwen35";
    case PreTokenizer::kStarcoder:
      return "starcoder";
    case PreTokenizer::kFalcon:
      return "falcon";
    case PreTokenizer::kDeepseekLlm:
      return "deepseek-llm";
    case PreTokenizer::kDeepseekCoder:
      return "deepseek-coder";
  }
  return "unknown";
}

absl::Status ValidateVocab(const Vocab& vocab) {
  if (vocab.model != ModelKind::kSentencePiece && vocab.model != ModelKind::kBpe) {
    return Invalid(absl::StrFormat("unknown model kind %d", static_cast<int>(vocab.model)));
  }
  if (static_cast<int>(vocab.pre) > kMaxPreTokenizer) {
    return Invalid(absl::StrFormat("unknown pre-tokenizer %d", static_cast<int>(vocab.pre)));
  }
  if ((vocab.model == ModelKind::kSentencePiece) != (vocab.pre == PreTokenizer::kNone)) {
    return Invalid(absl::StrCat("a ", ModelKindName(vocab.model), " vocabulary cannot use the '",
                                PreTokenizerName(vocab.pre), "' pre-tokenizer"));
  }
  const size_t n = vocab.tokens.size();
  if (n == 0) return Invalid("no tokens");
  if (n > static_cast<size_t>(INT32_MAX)) return Invalid("too many tokens");
  if (vocab.scores.size() != n) {
    return Invalid(absl::StrFormat("%d scores for %d tokens", vocab.scores.size(), n));
  }
  if (vocab.attrs.size() != n) {
    return Invalid(absl::StrFormat("%d token attributes for %d tokens", vocab.attrs.size(), n));
  }
  absl::flat_hash_map<absl::string_view, size_t> seen;
  seen.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (vocab.tokens[i].empty()) return Invalid(absl::StrFormat("token %d: empty text", i));
    auto [it, inserted] = seen.emplace(vocab.tokens[i], i);
    if (!inserted) {
      return Invalid(absl::StrFormat("tokens %d and %d have the same text '%s'", it->second, i,
                                     absl::CHexEscape(vocab.tokens[i])));
    }
    if (std::isnan(vocab.scores[i])) return Invalid(absl::StrFormat("token %d: score is NaN", i));
    if ((vocab.attrs[i] & ~static_cast<uint32_t>(kAttrAll)) != 0) {
      return Invalid(absl::StrFormat("token %d: unknown attribute bits 0x%x", i, vocab.attrs[i]));
    }
  }
  if (vocab.model == ModelKind::kSentencePiece && !vocab.merges.empty()) {
    return Invalid("a sentencepiece vocabulary has no merges");
  }
  const struct {
    const char* name;
    int32_t id;
  } specials[] = {{"bos", vocab.bos}, {"eos", vocab.eos}, {"eot", vocab.eot}, {"eom", vocab.eom},
                  {"unk", vocab.unk}, {"sep", vocab.sep}, {"pad", vocab.pad}, {"mask", vocab.mask}};
  for (const auto& s : specials) {
    if (s.id != kNoToken && (s.id < 0 || static_cast<size_t>(s.id) >= n)) {
      return Invalid(
          absl::StrFormat("%s token id %d is out of range (%d tokens)", s.name, s.id, n));
    }
  }
  for (size_t i = 0; i < vocab.eog.size(); ++i) {
    const int32_t id = vocab.eog[i];
    if (id < 0 || static_cast<size_t>(id) >= n) {
      return Invalid(absl::StrFormat("end-of-generation id %d is out of range (%d tokens)", id, n));
    }
    if (i > 0 && id <= vocab.eog[i - 1]) {
      return Invalid("end-of-generation ids are not sorted and unique");
    }
  }
  if (vocab.add_bos && vocab.bos == kNoToken) return Invalid("add_bos is set but there is no bos");
  if (vocab.add_eos && vocab.eos == kNoToken) return Invalid("add_eos is set but there is no eos");
  return absl::OkStatus();
}

}  // namespace rf::tokenizer
