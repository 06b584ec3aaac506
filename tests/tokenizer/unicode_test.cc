#include "runtime/tokenizer/unicode.h"

#include <fstream>
#include <regex>
#include <sstream>

#include "gtest/gtest.h"
#include "runtime/tokenizer/byte_encoding.h"
#include "tests/test_util.h"

namespace rf::tokenizer {
namespace {

std::vector<uint32_t> Decode(const std::string& s) {
  return DecodeUtf8(s);
}

TEST(Utf8Test, ValidSequencesDecode) {
  EXPECT_EQ(Decode("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\xA6\x99"),
            (std::vector<uint32_t>{'a', 0xE9, 0x20AC, 0x1F999}));
  EXPECT_EQ(Decode(std::string("\0x", 2)), (std::vector<uint32_t>{0, 'x'}));
}

// llama.cpp's decoder checks continuation bytes only: overlong forms and surrogates decode to
// their value, which changes what byte-level BPE sees; we must do the same.
TEST(Utf8Test, LenientLikeLlamaCpp) {
  EXPECT_EQ(Decode("\xC0\xAF"), (std::vector<uint32_t>{0x2F}));        // overlong '/'
  EXPECT_EQ(Decode("\xE0\x80\xAF"), (std::vector<uint32_t>{0x2F}));    // overlong '/'
  EXPECT_EQ(Decode("\xED\xA0\x80"), (std::vector<uint32_t>{0xD800}));  // surrogate
  // Bad or cut-short sequences: U+FFFD, one byte at a time.
  EXPECT_EQ(Decode("\x80\xBF"), (std::vector<uint32_t>{0xFFFD, 0xFFFD}));
  EXPECT_EQ(Decode("\xE2\x82"), (std::vector<uint32_t>{0xFFFD, 0xFFFD}));
  EXPECT_EQ(Decode("\xE2\x82z"), (std::vector<uint32_t>{0xFFFD, 0xFFFD, 'z'}));
  EXPECT_EQ(Decode("\xF8\xFF"), (std::vector<uint32_t>{0xFFFD, 0xFFFD}));
  // Above U+10FFFF llama.cpp throws; we give U+FFFD for the lead byte and go on.
  EXPECT_EQ(Decode("\xF4\x90\x80\x80"), (std::vector<uint32_t>(4, 0xFFFD)));
  EXPECT_EQ(Decode("\xF4\x8F\xBF\xBF"), (std::vector<uint32_t>{0x10FFFF}));
}

TEST(Utf8Test, EncodeRoundTrips) {
  for (uint32_t c : {0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD800u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    std::string s;
    AppendUtf8(c, &s);
    EXPECT_EQ(Decode(s), (std::vector<uint32_t>{c})) << c;
  }
}

TEST(UnicodeTest, Categories) {
  EXPECT_EQ(Classify('a').category, Category::kLetter);
  EXPECT_EQ(Classify('7').category, Category::kNumber);
  EXPECT_EQ(Classify(0x0663).category, Category::kNumber);  // Arabic-Indic three
  EXPECT_EQ(Classify(0x2167).category, Category::kNumber);  // Roman numeral eight (Nl)
  EXPECT_EQ(Classify(0x0301).category, Category::kMark);
  EXPECT_EQ(Classify('$').category, Category::kSymbol);
  EXPECT_EQ(Classify('_').category, Category::kPunctuation);
  EXPECT_EQ(Classify(0x4E2D).category, Category::kLetter);
  EXPECT_EQ(Classify(0x2EBF0).category, Category::kLetter);    // Unicode 15.1 (CJK Ext. I)
  EXPECT_EQ(Classify(0x0378).category, Category::kUndefined);  // unassigned
  EXPECT_EQ(Classify(0x110000).category, Category::kUndefined);
  EXPECT_TRUE(Classify(0x85).whitespace);
  EXPECT_TRUE(Classify(0x3000).whitespace);
  EXPECT_FALSE(Classify(0x200B).whitespace);  // zero width space is not White_Space
  EXPECT_FALSE(Classify(0x1C).whitespace);    // nor are the ASCII separators
}

TEST(ByteEncodingTest, GptTwoMapping) {
  EXPECT_EQ(ByteToCodepoint('a'), static_cast<uint32_t>('a'));
  EXPECT_EQ(ByteToCodepoint(' '), 0x120u);   // 'Ġ'
  EXPECT_EQ(ByteToCodepoint('\n'), 0x10Au);  // 'Ċ'
  EXPECT_EQ(ByteToCodepoint(0xAD), 0x143u);
  for (int b = 0; b < 256; ++b) EXPECT_EQ(CodepointToByte(ByteToCodepoint(b)), b);
  EXPECT_EQ(CodepointToByte(0x144), -1);
  EXPECT_EQ(CodepointToByte(0x20), -1);
}

// Our table (generated from Debian's Unicode 15.0 data plus the 15.1 additions) against the
// table llama.cpp was built with (its src/unicode-data.cpp), for every code point.
TEST(UnicodeTest, TableAgreesWithLlamaCpp) {
  RF_ORACLE_OR_SKIP(oracle);
  std::ifstream in(oracle + "/src/src/unicode-data.cpp");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string src = ss.str();
  const size_t begin = src.find("unicode_ranges_flags");
  const size_t end = src.find("};", begin);
  const size_t ws_begin = src.find("unicode_set_whitespace");
  const size_t ws_end = src.find("};", ws_begin);
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(ws_begin, std::string::npos);

  // {0x000041, 0x0004}: first code point of a range, flags (llama.cpp's bit per category).
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  const std::regex entry(R"(\{0x([0-9A-F]+), 0x([0-9A-F]+)\})");
  const std::string table = src.substr(begin, end - begin);
  for (auto it = std::sregex_iterator(table.begin(), table.end(), entry);
       it != std::sregex_iterator(); ++it) {
    ranges.emplace_back(std::stoul((*it)[1], nullptr, 16), std::stoul((*it)[2], nullptr, 16));
  }
  ASSERT_GT(ranges.size(), 1000u);
  const Category by_bit[8] = {Category::kUndefined, Category::kNumber, Category::kLetter,
                              Category::kSeparator, Category::kMark,   Category::kPunctuation,
                              Category::kSymbol,    Category::kControl};
  int mismatches = 0;
  for (size_t r = 0; r + 1 < ranges.size(); ++r) {
    int bit = 0;
    while (bit < 8 && ranges[r].second != (1u << bit)) ++bit;
    ASSERT_LT(bit, 8) << "flags " << ranges[r].second;
    for (uint32_t c = ranges[r].first; c < ranges[r + 1].first; ++c) {
      if (Classify(c).category != by_bit[bit] && ++mismatches <= 10) {
        ADD_FAILURE() << "U+" << std::hex << c << ": llama.cpp category bit " << bit;
      }
    }
  }
  EXPECT_EQ(ranges.back().first, 0x110000u);
  EXPECT_EQ(mismatches, 0);

  std::vector<uint32_t> spaces;
  const std::string ws = src.substr(ws_begin, ws_end - ws_begin);
  const std::regex hex(R"(0x([0-9A-F]+),)");
  for (auto it = std::sregex_iterator(ws.begin(), ws.end(), hex); it != std::sregex_iterator();
       ++it) {
    spaces.push_back(std::stoul((*it)[1], nullptr, 16));
  }
  ASSERT_FALSE(spaces.empty());
  for (uint32_t c = 0; c < 0x110000; ++c) {
    const bool want = std::find(spaces.begin(), spaces.end(), c) != spaces.end();
    EXPECT_EQ(Classify(c).whitespace, want) << "U+" << std::hex << c;
  }
}

}  // namespace
}  // namespace rf::tokenizer
