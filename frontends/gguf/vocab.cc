#include "frontends/gguf/vocab.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "frontends/gguf/vocab_conventions.h"
#include "support/status.h"

namespace rf::gguf {
namespace {

using tokenizer::kNoToken;
using tokenizer::ModelKind;
using tokenizer::Vocab;

// GGUF token types (llama.cpp's llama_token_type) to attributes.
uint32_t AttrOfType(int64_t type) {
  switch (type) {
    case 1:
      return tokenizer::kAttrNormal;
    case 2:
      return tokenizer::kAttrUnknown;
    case 3:
      return tokenizer::kAttrControl;
    case 4:
      return tokenizer::kAttrUserDefined;
    case 5:
      return tokenizer::kAttrUnused;
    case 6:
      return tokenizer::kAttrByte;
    default:  // 0 (undefined) and anything unknown
      return tokenizer::kAttrUndefined;
  }
}

class VocabReader {
 public:
  VocabReader(const GgufFile& file, std::vector<std::string>* warnings)
      : file_(file), warnings_(warnings) {}

  absl::StatusOr<Vocab> Read();

 private:
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(file_.name(), ": ", message));
  }
  void Warn(std::string message) {
    if (warnings_ != nullptr) warnings_->push_back(std::move(message));
  }
  absl::Status ReadKind(Vocab& v);
  absl::Status ReadTokens(Vocab& v);
  // A special id key: kept when in range, else the default stays (llama.cpp's rule).
  absl::Status ReadSpecialId(absl::string_view key, int32_t& id, size_t n_tokens);
  absl::StatusOr<bool> OptionalBool(absl::string_view key, bool fallback) const {
    return file_.GetBoolOr(key, fallback);
  }

  const GgufFile& file_;
  std::vector<std::string>* warnings_;
};

absl::Status VocabReader::ReadKind(Vocab& v) {
  if (file_.Find("tokenizer.ggml.model") == nullptr) {
    return Error("no tokenizer: tokenizer.ggml.model is missing");
  }
  RF_ASSIGN_OR_RETURN(absl::string_view model, file_.GetString("tokenizer.ggml.model"));
  if (file_.Find("tokenizer.ggml.pre") != nullptr) {
    RF_ASSIGN_OR_RETURN(absl::string_view pre, file_.GetString("tokenizer.ggml.pre"));
    v.pre_name = std::string(pre);
  }
  if (model == "llama") {
    v.model = ModelKind::kSentencePiece;
    v.pre = tokenizer::PreTokenizer::kNone;
    v.bos = 1;
    v.eos = 2;
    v.unk = 0;
    v.add_space_prefix = true;
    v.add_bos = true;
    return absl::OkStatus();
  }
  if (model != "gpt2") {
    return absl::UnimplementedError(absl::StrCat(
        file_.name(), ": tokenizer.ggml.model '", model,
        "' is not supported (supported: llama = SentencePiece, gpt2 = byte-level BPE)"));
  }
  v.model = ModelKind::kBpe;
  v.bos = 11;
  v.eos = 11;
  v.clean_spaces = true;
  PreTokenizerInfo info{tokenizer::PreTokenizer::kDefault};
  if (v.pre_name.empty()) {
    Warn(
        "tokenizer.ggml.pre is missing: using llama.cpp's 'default' pre-tokenizer (the model "
        "may tokenize differently from how it was trained)");
  } else if (auto found = FindPreTokenizer(v.pre_name)) {
    info = *found;
  } else {
    return absl::UnimplementedError(
        absl::StrCat(file_.name(), ": tokenizer.ggml.pre '", v.pre_name,
                     "' is not supported (supported: ", SupportedPreTokenizers(), ")"));
  }
  v.pre = info.pre;
  v.clean_spaces = info.clean_spaces;
  v.ignore_merges = info.ignore_merges;
  v.add_bos = info.add_bos;
  if (info.no_bos) v.bos = kNoToken;

  const Value* merges = file_.Find("tokenizer.ggml.merges");
  if (merges == nullptr) {
    return Error(
        "tokenizer.ggml.merges is missing: a gpt2 (byte-level BPE) vocabulary needs its "
        "merge list");
  }
  RF_ASSIGN_OR_RETURN(merges, file_.GetArray("tokenizer.ggml.merges", ValueType::kString));
  v.merges.reserve(merges->strings.size());
  for (absl::string_view m : merges->strings) v.merges.emplace_back(m);
  return absl::OkStatus();
}

absl::Status VocabReader::ReadTokens(Vocab& v) {
  if (file_.Find("tokenizer.ggml.tokens") == nullptr) {
    return Error("tokenizer.ggml.tokens is missing");
  }
  RF_ASSIGN_OR_RETURN(const Value* tokens,
                      file_.GetArray("tokenizer.ggml.tokens", ValueType::kString));
  const size_t n = tokens->strings.size();
  if (n == 0) return Error("tokenizer.ggml.tokens is empty");
  if (n > static_cast<size_t>(INT32_MAX)) return Error("tokenizer.ggml.tokens: too many tokens");

  v.tokens.resize(n);
  absl::flat_hash_map<absl::string_view, size_t> seen;
  seen.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    v.tokens[i] = std::string(tokens->strings[i]);
    if (v.tokens[i].empty()) {
      v.tokens[i] = absl::StrCat("[EMPTY_", i, "]");  // llama.cpp's name for it
      Warn(absl::StrCat("token ", i, " has an empty text; named it ", v.tokens[i]));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    auto [it, inserted] = seen.emplace(v.tokens[i], i);
    if (!inserted) {
      return Error(absl::StrFormat("tokenizer.ggml.tokens: tokens %d and %d are both '%s'",
                                   it->second, i, absl::CHexEscape(v.tokens[i])));
    }
  }

  v.scores.assign(n, 0.0f);
  if (const Value* scores = file_.Find("tokenizer.ggml.scores")) {
    if (scores->type != ValueType::kArray ||
        (scores->elem_type != ValueType::kF32 && scores->elem_type != ValueType::kI32)) {
      return Error(absl::StrCat("tokenizer.ggml.scores: expected an array of f32 or i32, found ",
                                scores->TypeString()));
    }
    if (scores->count < n) {
      return Error(
          absl::StrFormat("tokenizer.ggml.scores has %d entries for %d tokens", scores->count, n));
    }
    for (size_t i = 0; i < n; ++i) v.scores[i] = static_cast<float>(scores->ArrayAsDouble(i));
  }

  v.attrs.assign(n, tokenizer::kAttrNormal);
  if (const Value* types = file_.Find("tokenizer.ggml.token_type")) {
    if (types->type != ValueType::kArray || types->elem_type != ValueType::kI32) {
      return Error(absl::StrCat("tokenizer.ggml.token_type: expected an array of i32, found ",
                                types->TypeString()));
    }
    if (types->count < n) {
      return Error(absl::StrFormat("tokenizer.ggml.token_type has %d entries for %d tokens",
                                   types->count, n));
    }
    for (size_t i = 0; i < n; ++i) v.attrs[i] = AttrOfType(types->ArrayAsInt(i));
  }
  return absl::OkStatus();
}

absl::Status VocabReader::ReadSpecialId(absl::string_view key, int32_t& id, size_t n_tokens) {
  if (id != kNoToken && static_cast<size_t>(id) >= n_tokens) {
    Warn(absl::StrCat("default ", key, " ", id, " is out of range; none"));
    id = kNoToken;
  }
  const Value* value = file_.Find(key);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_integer()) {
    return Error(absl::StrCat(key, ": expected an integer, found ", value->TypeString()));
  }
  const bool negative = value->type != ValueType::kU64 && value->i < 0;
  if (negative || value->u >= n_tokens) {
    Warn(absl::StrCat(key, " = ", negative ? value->i : static_cast<int64_t>(value->u),
                      " is out of range (", n_tokens, " tokens); ",
                      id == kNoToken ? std::string("none") : absl::StrCat("using ", id)));
    return absl::OkStatus();
  }
  id = static_cast<int32_t>(value->u);
  return absl::OkStatus();
}

absl::StatusOr<Vocab> VocabReader::Read() {
  Vocab v;
  RF_RETURN_IF_ERROR(ReadKind(v));
  RF_ASSIGN_OR_RETURN(v.add_space_prefix,
                      OptionalBool("tokenizer.ggml.add_space_prefix", v.add_space_prefix));
  RF_RETURN_IF_ERROR(ReadTokens(v));
  const size_t n = v.tokens.size();

  FimIds fim;
  const std::pair<const char*, int32_t*> ids[] = {
      {"tokenizer.ggml.bos_token_id", &v.bos},
      {"tokenizer.ggml.eos_token_id", &v.eos},
      {"tokenizer.ggml.eot_token_id", &v.eot},
      {"tokenizer.ggml.eom_token_id", &v.eom},
      {"tokenizer.ggml.unknown_token_id", &v.unk},
      {"tokenizer.ggml.seperator_token_id", &v.sep},  // sic: llama.cpp's spelling
      {"tokenizer.ggml.padding_token_id", &v.pad},
      {"tokenizer.ggml.mask_token_id", &v.mask},
      {"tokenizer.ggml.fim_pre_token_id", &fim.pre},
      {"tokenizer.ggml.fim_suf_token_id", &fim.suf},
      {"tokenizer.ggml.fim_mid_token_id", &fim.mid},
      {"tokenizer.ggml.fim_pad_token_id", &fim.pad},
      {"tokenizer.ggml.fim_rep_token_id", &fim.rep},
      {"tokenizer.ggml.fim_sep_token_id", &fim.sep},
      {"tokenizer.ggml.prefix_token_id", &fim.pre},  // older names of the fim keys
      {"tokenizer.ggml.suffix_token_id", &fim.suf},
      {"tokenizer.ggml.middle_token_id", &fim.mid},
  };
  for (const auto& [key, id] : ids) RF_RETURN_IF_ERROR(ReadSpecialId(key, *id, n));

  RF_ASSIGN_OR_RETURN(v.add_bos, OptionalBool("tokenizer.ggml.add_bos_token", v.add_bos));
  RF_ASSIGN_OR_RETURN(v.add_eos, OptionalBool("tokenizer.ggml.add_eos_token", v.add_eos));
  if (v.add_bos && v.bos == kNoToken) {
    return Error("the vocabulary adds a BOS token (tokenizer.ggml.add_bos_token) but has none");
  }
  if (v.add_eos && v.eos == kNoToken) {
    return Error("the vocabulary adds an EOS token (tokenizer.ggml.add_eos_token) but has none");
  }

  absl::string_view name, arch;
  if (file_.Find("general.name") != nullptr) {
    RF_ASSIGN_OR_RETURN(name, file_.GetString("general.name"));
  }
  if (file_.Find("general.architecture") != nullptr) {
    RF_ASSIGN_OR_RETURN(arch, file_.GetString("general.architecture"));
  }
  ApplyTokenConventions(v, fim, name, arch, warnings_);
  if (absl::Status s = tokenizer::ValidateVocab(v); !s.ok()) {
    return Error(s.message());
  }
  return v;
}

}  // namespace

absl::StatusOr<Vocab> ReadVocab(const GgufFile& file, std::vector<std::string>* warnings) {
  return VocabReader(file, warnings).Read();
}

}  // namespace rf::gguf
