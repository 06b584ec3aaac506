// Unicode as the tokenizers need it: code point categories (the regex classes \p{L}, \p{N}, ...
// and \s of the pre-tokenizers) and UTF-8 decoding that treats bad input the way llama.cpp does.
//
// The category table is generated (scripts/gen_unicode_categories.py) from Debian's unicode-data
// plus the Unicode 15.1 additions, so it agrees with llama.cpp's table for every code point
// (tests/tokenizer/unicode_test.cc checks all 1,114,112). Not ICU: the tokens a model sees must
// not change with the ICU version of the machine it runs on, and the runtime should not need ICU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace rf::tokenizer {

// General category, folded to the classes the pre-tokenizers use (Lu Ll Lt Lm Lo -> kLetter, ...).
enum class Category : uint8_t {
  kUndefined,    // Cn, and anything past U+10FFFF
  kNumber,       // \p{N}
  kLetter,       // \p{L}
  kSeparator,    // \p{Z}
  kMark,         // \p{M}
  kPunctuation,  // \p{P}
  kSymbol,       // \p{S}
  kControl,      // \p{C} other than Cn
};

struct CodepointClass {
  Category category = Category::kUndefined;
  bool whitespace = false;  // the White_Space property (\s)

  bool letter() const { return category == Category::kLetter; }
  bool number() const { return category == Category::kNumber; }
  bool mark() const { return category == Category::kMark; }
  bool punctuation() const { return category == Category::kPunctuation; }
};

CodepointClass Classify(uint32_t cpt);

inline constexpr uint32_t kReplacementChar = 0xFFFD;

// Bytes of a UTF-8 sequence judged by its first byte alone (1 for continuation and invalid bytes),
// as llama.cpp's tokenizers split text into symbols.
inline size_t Utf8SequenceLength(uint8_t lead) {
  static constexpr uint8_t kLength[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLength[lead >> 4];
}

// Decodes the code point at `*pos` and advances past it. Lenient like llama.cpp: continuation
// bytes are checked, but overlong forms and surrogates decode to their value. A bad lead byte or a
// truncated sequence gives U+FFFD and advances one byte. Sequences above U+10FFFF (F4 90.. - F7)
// also give U+FFFD and advance one byte: llama.cpp throws an uncaught exception on them.
uint32_t DecodeUtf8(absl::string_view text, size_t* pos);
std::vector<uint32_t> DecodeUtf8(absl::string_view text);

// Appends the UTF-8 form of `cpt` (<= U+10FFFF, surrogates included, as llama.cpp encodes them).
void AppendUtf8(uint32_t cpt, std::string* out);

}  // namespace rf::tokenizer
