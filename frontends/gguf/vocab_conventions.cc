#include "frontends/gguf/vocab_conventions.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rf::gguf {
namespace {

using tokenizer::kNoToken;
using tokenizer::PreTokenizer;

struct NamedPre {
  const char* name;
  PreTokenizerInfo info;
};

// tokenizer.ggml.pre names as llama.cpp's loader maps them (llama-vocab.cpp), for the splitters
// we implement. Flags: clean_spaces, ignore_merges, add_bos, no_bos.
const NamedPre kPreTokenizers[] = {
    {"default", {PreTokenizer::kDefault}},
    {"llama3", {PreTokenizer::kLlama3, true, true, true}},
    {"llama-v3", {PreTokenizer::kLlama3, true, true, true}},
    {"llama-bpe", {PreTokenizer::kLlama3, true, true, true}},
    {"falcon3", {PreTokenizer::kLlama3, true, true, true}},
    {"falcon-h1", {PreTokenizer::kLlama3, true, true, true}},
    {"pixtral", {PreTokenizer::kLlama3, true, true, true}},
    {"midm-2.0", {PreTokenizer::kLlama3, true, true, true}},
    {"lfm2", {PreTokenizer::kLlama3, true, true, true}},
    {"jina-v5-nano", {PreTokenizer::kLlama3, true, true, true}},
    {"dbrx", {PreTokenizer::kLlama3}},
    {"smaug-bpe", {PreTokenizer::kLlama3}},
    {"glm4", {PreTokenizer::kLlama3, true, false, false, true}},
    {"chatglm-bpe", {PreTokenizer::kLlama3, true, false, false, true}},
    {"qwen2", {PreTokenizer::kQwen2, false}},
    {"deepseek-r1-qwen", {PreTokenizer::kQwen2, false}},
    {"kormo", {PreTokenizer::kQwen2, false}},
    {"f2llmv2", {PreTokenizer::kQwen2, false}},
    {"megrez", {PreTokenizer::kQwen2}},
    {"stablelm2", {PreTokenizer::kQwen2}},
    {"hunyuan", {PreTokenizer::kQwen2, false}},
    {"solar-open", {PreTokenizer::kQwen2, false}},
    {"grok-2", {PreTokenizer::kQwen2, false}},
    {"qwen35", {PreTokenizer::kQwen35, false}},
    {"gpt-2", {PreTokenizer::kGpt2}},
    {"phi-2", {PreTokenizer::kGpt2}},
    {"jina-es", {PreTokenizer::kGpt2}},
    {"jina-de", {PreTokenizer::kGpt2}},
    {"gigachat", {PreTokenizer::kGpt2}},
    {"jina-v2-es", {PreTokenizer::kGpt2}},
    {"jina-v2-de", {PreTokenizer::kGpt2}},
    {"a.x-4.0", {PreTokenizer::kGpt2}},
    {"mellum", {PreTokenizer::kGpt2}},
    {"modern-bert", {PreTokenizer::kGpt2}},
    {"jina-v1-en", {PreTokenizer::kGpt2}},
    {"jina-v2-code", {PreTokenizer::kGpt2}},
    {"roberta-bpe", {PreTokenizer::kGpt2}},
    {"mpt", {PreTokenizer::kGpt2}},
    {"olmo", {PreTokenizer::kGpt2}},
    {"jais", {PreTokenizer::kGpt2}},
    {"exaone4", {PreTokenizer::kGpt2}},
    {"trillion", {PreTokenizer::kGpt2, false}},
    {"granite-docling", {PreTokenizer::kGpt2, false}},
    {"starcoder", {PreTokenizer::kStarcoder}},
    {"refact", {PreTokenizer::kStarcoder}},
    {"command-r", {PreTokenizer::kStarcoder, false}},
    {"smollm", {PreTokenizer::kStarcoder, false}},
    {"codeshell", {PreTokenizer::kStarcoder}},
    {"exaone", {PreTokenizer::kStarcoder}},
    {"minerva-7b", {PreTokenizer::kStarcoder}},
    {"mellum2", {PreTokenizer::kStarcoder}},
    {"falcon", {PreTokenizer::kFalcon}},
    {"deepseek-llm", {PreTokenizer::kDeepseekLlm, false}},
    {"deepseek-coder", {PreTokenizer::kDeepseekCoder, false}},
};

// Token texts llama.cpp recognises (llama-vocab.cpp, "auto-detect special tokens by text").
const char* const kEotTexts[] = {
    "<|eot_id|>",        "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
    "<|end_of_text|>",   "<EOT>",      "_<EOT>",  "[EOT]",         "<｜end▁of▁sentence｜>",
    "<end_of_utterance>"};
const char* const kEomTexts[] = {"<|eom_id|>"};
const char* const kFimPreTexts[] = {"<|fim_prefix|>",  "<fim-prefix>", "<fim_prefix>",
                                    "<｜fim▁begin｜>", "<PRE>",        "▁<PRE>",
                                    "<|code_prefix|>", "<|prefix|>"};
const char* const kFimSufTexts[] = {"<|fim_suffix|>",  "<fim-suffix>", "<fim_suffix>",
                                    "<｜fim▁hole｜>",  "<SUF>",        "▁<SUF>",
                                    "<|code_suffix|>", "<|suffix|>"};
const char* const kFimMidTexts[] = {"<|fim_middle|>",  "<fim-middle>", "<fim_middle>",
                                    "<｜fim▁end｜>",   "<MID>",        "▁<MID>",
                                    "<|code_middle|>", "<|middle|>"};
const char* const kFimPadTexts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"};
const char* const kFimRepTexts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
                                    "<reponame>"};
const char* const kFimSepTexts[] = {"<|file_sep|>"};
const char* const kEogTexts[] = {"<|eot_id|>",
                                 "<|im_end|>",
                                 "<|end|>",
                                 "<|return|>",
                                 "<|call|>",
                                 "<|flush|>",
                                 "<|calls|>",
                                 "<end_of_turn>",
                                 "<|endoftext|>",
                                 "</s>",
                                 "<|eom_id|>",
                                 "<EOT>",
                                 "_<EOT>",
                                 "[EOT]",
                                 "[EOS]",
                                 "<|end_of_text|>",
                                 "<end_of_utterance>",
                                 "<eos>",
                                 "<turn|>",
                                 "<|tool_response>",
                                 "<｜end▁of▁sentence｜>",
                                 "[e~["};

class Conventions {
 public:
  Conventions(tokenizer::Vocab& vocab, std::vector<std::string>* warnings)
      : vocab_(vocab), warnings_(warnings) {
    for (size_t id = 0; id < vocab.tokens.size(); ++id) {
      ids_.emplace(vocab.tokens[id], static_cast<int32_t>(id));
    }
  }

  int32_t Find(absl::string_view text) const {
    auto it = ids_.find(text);
    return it == ids_.end() ? kNoToken : it->second;
  }

  void MarkControl(int32_t id) {
    uint32_t& attr = vocab_.attrs[id];
    if (attr & tokenizer::kAttrControl) return;
    Warn(absl::StrCat("token ", id, " '", vocab_.tokens[id],
                      "' looks like a control token but is not typed as one; treating it as one"));
    attr |= tokenizer::kAttrControl;
  }

  // Where no key set `id`, the candidate text with the lowest id (llama.cpp takes the first in
  // its hash map's order, which differs only when a vocabulary holds two candidates).
  template <size_t N>
  void Detect(int32_t& id, const char* const (&texts)[N]) {
    if (id != kNoToken) return;
    for (const char* text : texts) {
      const int32_t found = Find(text);
      if (found != kNoToken && (id == kNoToken || found < id)) id = found;
    }
    if (id != kNoToken) MarkControl(id);
  }

  void Warn(std::string message) {
    if (warnings_ != nullptr) warnings_->push_back(std::move(message));
  }

  tokenizer::Vocab& vocab() { return vocab_; }

 private:
  tokenizer::Vocab& vocab_;
  std::vector<std::string>* warnings_;
  absl::flat_hash_map<absl::string_view, int32_t> ids_;
};

}  // namespace

std::optional<PreTokenizerInfo> FindPreTokenizer(absl::string_view name) {
  for (const NamedPre& p : kPreTokenizers) {
    if (name == p.name) return p.info;
  }
  return std::nullopt;
}

std::string SupportedPreTokenizers() {
  std::vector<absl::string_view> names;
  for (const NamedPre& p : kPreTokenizers) names.push_back(p.name);
  return absl::StrJoin(names, ", ");
}

void ApplyTokenConventions(tokenizer::Vocab& vocab, FimIds fim, absl::string_view model_name,
                           absl::string_view arch, std::vector<std::string>* warnings) {
  using namespace tokenizer;  // NOLINT: the attribute names
  Conventions c(vocab, warnings);
  c.Detect(vocab.eot, kEotTexts);
  c.Detect(vocab.eom, kEomTexts);
  c.Detect(fim.pre, kFimPreTexts);
  c.Detect(fim.suf, kFimSufTexts);
  c.Detect(fim.mid, kFimMidTexts);
  c.Detect(fim.pad, kFimPadTexts);
  c.Detect(fim.rep, kFimRepTexts);
  c.Detect(fim.sep, kFimSepTexts);

  // Control tokens named "unused" are unused.
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    if ((vocab.attrs[id] & kAttrControl) && absl::StrContains(vocab.tokens[id], "unused")) {
      vocab.attrs[id] |= kAttrUnused;
    }
  }

  // End of generation: the fim pad/repo/file tokens, every token with an end-like text, and the
  // eos/eot/eom ids.
  std::set<int32_t> eog;
  for (int32_t id : {fim.pad, fim.rep, fim.sep}) {
    if (id != kNoToken) eog.insert(id);
  }
  for (const char* text : kEogTexts) {
    const int32_t id = c.Find(text);
    if (id == kNoToken) continue;
    eog.insert(id);
    c.MarkControl(id);
  }
  // gpt-oss: these are always printed.
  for (const char* text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    const int32_t id = c.Find(text);
    if (id != kNoToken) vocab.attrs[id] = kAttrUserDefined;
  }
  for (int32_t id : {vocab.eos, vocab.eot, vocab.eom}) {
    if (id != kNoToken) eog.insert(id);
  }
  // o200k_harmony / solar-open: with <|return|> and <|call|> (or <|calls|> and <|flush|>),
  // <|end|> ends a message, not generation.
  {
    bool has_return = false, has_call = false, has_flush = false;
    int32_t end = kNoToken;
    for (int32_t id : eog) {
      const std::string& t = vocab.tokens[id];
      if (t == "<|return|>") has_return = true;
      if (t == "<|call|>" || t == "<|calls|>") has_call = true;
      if (t == "<|flush|>") has_flush = true;
      if (t == "<|end|>") end = id;
    }
    if (end != kNoToken && has_call && (has_return || has_flush)) {
      eog.erase(end);
      vocab.attrs[end] = kAttrUserDefined;
    }
  }
  // Gemma 4 / PaddleOCR: with <|tool_response>, </s> is ordinary text.
  {
    int32_t tool_response = kNoToken, s = kNoToken;
    for (int32_t id : eog) {
      if (vocab.tokens[id] == "<|tool_response>") tool_response = id;
      if (vocab.tokens[id] == "</s>") s = id;
    }
    if (tool_response != kNoToken && s != kNoToken) {
      eog.erase(s);
      vocab.attrs[s] = kAttrNormal;
    }
  }
  vocab.eog.assign(eog.begin(), eog.end());

  // Per-model attributes llama.cpp sets by name.
  const std::string name = absl::AsciiStrToLower(model_name);
  auto contains_any = [](absl::string_view s, std::initializer_list<absl::string_view> parts) {
    return std::any_of(parts.begin(), parts.end(),
                       [&](absl::string_view p) { return absl::StrContains(s, p); });
  };
  auto set = [&](absl::string_view text, uint32_t attr, bool on) {
    const int32_t id = c.Find(text);
    if (id == kNoToken) return;
    vocab.attrs[id] = on ? (vocab.attrs[id] | attr) : (vocab.attrs[id] & ~attr);
  };
  if (contains_any(vocab.pre_name, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      contains_any(arch, {"nomic-bert-moe", "jina-bert-v3"})) {
    set("<mask>", kAttrLstrip, true);
  } else if (contains_any(name, {"phi-3", "phi3"})) {
    // Phi-3's special tokens swallow the whitespace after them, except these.
    for (uint32_t& attr : vocab.attrs) {
      if (attr & (kAttrControl | kAttrUserDefined | kAttrUnknown)) attr |= kAttrRstrip;
    }
    set("</s>", kAttrRstrip, true);
    for (const char* text : {"<unk>", "<s>", "<|endoftext|>"}) set(text, kAttrRstrip, false);
  } else if (contains_any(name, {"modern-bert"})) {
    set("[MASK]", kAttrLstrip, true);
  }
}

}  // namespace rf::gguf
