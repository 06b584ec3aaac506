#include "frontends/gguf/synth_vocab.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "support/status.h"

namespace rf::gguf {
namespace {

constexpr absl::string_view kTokens = "tokenizer.ggml.tokens";
constexpr absl::string_view kScores = "tokenizer.ggml.scores";
constexpr absl::string_view kTokenType = "tokenizer.ggml.token_type";
constexpr absl::string_view kMerges = "tokenizer.ggml.merges";
constexpr int64_t kTokenTypeUnused = 5;  // llama.cpp's LLAMA_TOKEN_TYPE_UNUSED
constexpr double kPadScore = -1000.0;

// A numeric per-token array resized to n: kept prefix, then `pad` values.
template <typename T, typename Get>
std::vector<T> Resized(const Value& v, uint32_t n, T pad, Get get) {
  std::vector<T> out(n, pad);
  for (uint64_t i = 0; i < std::min<uint64_t>(n, v.count); ++i) out[i] = get(v, i);
  return out;
}

}  // namespace

absl::StatusOr<uint32_t> TokenizerSize(const GgufFile& vocab) {
  RF_ASSIGN_OR_RETURN(const Value* tokens, vocab.GetArray(kTokens, ValueType::kString));
  if (tokens->count == 0 || tokens->count > UINT32_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat(vocab.name(), ": ", kTokens, " has ", tokens->count, " tokens"));
  }
  return static_cast<uint32_t>(tokens->count);
}

absl::StatusOr<std::string> CopyTokenizer(const GgufFile& vocab, uint32_t n_vocab,
                                          GgufWriter& out) {
  RF_ASSIGN_OR_RETURN(const uint32_t have, TokenizerSize(vocab));
  for (const KeyValue& kv : vocab.metadata()) {
    if (absl::StartsWith(kv.key, "tokenizer.")) out.SetValue(kv.key, kv.value);
  }
  if (have == n_vocab) return std::string();

  const Value& tokens = *vocab.Find(kTokens);
  std::vector<std::string> names;
  names.reserve(n_vocab);
  for (uint32_t i = 0; i < n_vocab; ++i) {
    names.push_back(i < have ? std::string(tokens.strings[i]) : absl::StrCat("[PAD", i, "]"));
  }
  out.SetStringArray(kTokens, names);
  for (const KeyValue& kv : vocab.metadata()) {
    const Value& v = kv.value;
    if (kv.key == kScores && v.type == ValueType::kArray &&
        (v.elem_type == ValueType::kF32 || v.elem_type == ValueType::kF64)) {
      std::vector<double> scores = Resized<double>(
          v, n_vocab, kPadScore, [](const Value& a, uint64_t i) { return a.ArrayAsDouble(i); });
      out.SetFloatArray(kv.key, v.elem_type, scores);
    } else if (kv.key == kTokenType && v.type == ValueType::kArray &&
               v.elem_type != ValueType::kString && v.elem_type != ValueType::kArray) {
      std::vector<int64_t> types = Resized<int64_t>(
          v, n_vocab, kTokenTypeUnused, [](const Value& a, uint64_t i) { return a.ArrayAsInt(i); });
      out.SetIntArray(kv.key, v.elem_type, types);
    }
  }
  if (n_vocab > have) {
    return absl::StrCat("padded the tokenizer's ", have, " tokens to ", n_vocab,
                        " with [PAD<id>] tokens of type UNUSED");
  }

  // Truncated: drop what refers to the tokens that are gone.
  int dropped_merges = 0, dropped_ids = 0;
  if (const Value* merges = vocab.Find(kMerges); merges != nullptr &&
                                                 merges->type == ValueType::kArray &&
                                                 merges->elem_type == ValueType::kString) {
    absl::flat_hash_set<absl::string_view> kept(tokens.strings.begin(),
                                                tokens.strings.begin() + n_vocab);
    std::vector<std::string> keep;
    for (absl::string_view m : merges->strings) {
      const size_t space = m.find(' ');
      const bool ok = space != absl::string_view::npos && kept.contains(m.substr(0, space)) &&
                      kept.contains(m.substr(space + 1)) &&
                      kept.contains(absl::StrCat(m.substr(0, space), m.substr(space + 1)));
      if (ok) {
        keep.emplace_back(m);
      } else {
        ++dropped_merges;
      }
    }
    out.SetStringArray(kMerges, keep);
  }
  for (const KeyValue& kv : vocab.metadata()) {
    if (absl::StartsWith(kv.key, "tokenizer.ggml.") && absl::EndsWith(kv.key, "_token_id") &&
        kv.value.is_integer() && (kv.value.i < 0 || kv.value.i >= n_vocab)) {
      out.Remove(kv.key);
      ++dropped_ids;
    }
  }
  return absl::StrCat("truncated the tokenizer's ", have, " tokens to ", n_vocab, " (dropped ",
                      dropped_merges, " merges and ", dropped_ids, " special-token ids)");
}

}  // namespace rf::gguf
