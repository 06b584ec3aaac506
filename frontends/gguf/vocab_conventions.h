// llama.cpp's vocabulary conventions that no GGUF key states (see vocab.h). Internal to vocab.cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::gguf {

// What a tokenizer.ggml.pre name means.
struct PreTokenizerInfo {
  tokenizer::PreTokenizer pre;
  bool clean_spaces = true;
  bool ignore_merges = false;
  bool add_bos = false;  // default before tokenizer.ggml.add_bos_token
  bool no_bos = false;   // the default bos id is none (ChatGLM)
};

// nullopt for a name llama.cpp knows but we do not implement, or one nobody knows.
std::optional<PreTokenizerInfo> FindPreTokenizer(absl::string_view name);
// The names FindPreTokenizer accepts, for the error message.
std::string SupportedPreTokenizers();

// Special ids llama.cpp reads from keys but keeps only to recognise end-of-generation tokens.
struct FimIds {
  int32_t pre = tokenizer::kNoToken, suf = tokenizer::kNoToken, mid = tokenizer::kNoToken,
          pad = tokenizer::kNoToken, rep = tokenizer::kNoToken, sep = tokenizer::kNoToken;
};

// Finds eot/eom/fim tokens by their text where no key named them, marks them (and every
// end-of-generation token) as control tokens, fills vocab.eog, and applies the per-model token
// attributes. `model_name` is general.name, `arch` general.architecture.
void ApplyTokenConventions(tokenizer::Vocab& vocab, FimIds fim, absl::string_view model_name,
                           absl::string_view arch, std::vector<std::string>* warnings);

}  // namespace rf::gguf
