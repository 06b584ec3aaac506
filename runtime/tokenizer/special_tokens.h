// Finding special tokens (<|im_start|>, <s>, ...) in text before encoding, as llama.cpp does:
// each control, user-defined or unknown token, longest text first, splits the text pieces that
// remain around its occurrences. The pieces in between are encoded normally.
//
// This is not "longest match at each position": a longer token claims its occurrences first even
// where a shorter one starts earlier. Tokens marked lstrip/rstrip swallow the whitespace beside
// them. Without parse_special only user-defined tokens are matched (Hugging Face's rule).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::tokenizer {

// A piece of the text: a special token, or bytes [offset, offset + length) to encode.
struct Fragment {
  int32_t token = kNoToken;
  size_t offset = 0;
  size_t length = 0;
};

class SpecialTokenSplitter {
 public:
  explicit SpecialTokenSplitter(const Vocab& vocab);  // must outlive the splitter

  std::vector<Fragment> Split(absl::string_view text, bool parse_special) const;

 private:
  const Vocab& vocab_;
  std::vector<int32_t> specials_;  // longest text first
};

}  // namespace rf::tokenizer
