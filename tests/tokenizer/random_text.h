// Random text that exercises tokenizers where they differ: mixed scripts, combining marks, emoji
// sequences, digit runs (ASCII and not), whitespace runs (\r\n, \t, non-ASCII spaces), code,
// contractions in any case, punctuation runs, special-token texts and near misses, and invalid
// UTF-8. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace rf::testing {

class RandomText {
 public:
  // `specials`: texts of the vocabulary's special tokens, mixed in (whole, cut short, doubled).
  RandomText(uint64_t seed, std::vector<std::string> specials)
      : rng_(seed), specials_(std::move(specials)) {}

  // A string of 0 to about `max_pieces` pieces. With allow_invalid, some pieces are byte
  // sequences that are not UTF-8 (never above U+10FFFF: llama.cpp aborts on those).
  std::string Next(int max_pieces, bool allow_invalid) {
    std::string s;
    const int n = Uniform(0, max_pieces);
    for (int i = 0; i < n; ++i) {
      Piece(allow_invalid, &s);
      if (Uniform(0, 3) == 0) s += Pick(kSeparators);
    }
    return s;
  }

 private:
  static constexpr const char* kSeparators[] = {" ", "  ", "\n", "\t", "", "\r\n", " \n "};
  static constexpr const char* kWords[] = {
      "the",        "The",      "THE",      "hello",    "Hello",        "world",    "tokenizer",
      "a",          "I",        "don",      "can",      "naïve",        "café",     "Straße",
      "façade",     "œuvre",    "ÆØÅ",      "İstanbul", "ǅemal",        "ﬁne",      "привет",
      "Мир",        "Ελληνικά", "שלום",     "مرحبا",    "हिन्दी",        "नमस्ते",     "ภาษาไทย",
      "ខ្មែរ",       "中文",     "你好世界", "日本語",   "ひらがな",     "カタカナ", "한국어",
      "안녕하세요", "ᄀᄁ",     "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",  "ａｂｃ",   "Ｈｅｌｌｏ",   "ℌℑℜ",      "ꙮ",
      "ᏣᎳᎩ",        "ⰀⰁ",       "𐐀𐐨",       "a\u0301",  "e\u0308\u0301"};
  static constexpr const char* kNumbers[] = {
      "0",   "7",    "42", "123", "1234", "12345", "1234567890", "3.14159", "1,000,000",
      "٣٤٥", "３２", "²³", "Ⅻ",   "½",    "𝟙𝟚",    "০১২",        "007",     "99999999999"};
  static constexpr const char* kSpaces[] = {
      " ",      "  ",     "   ",      "      ", "\t",     "\t\t",     "\n",    "\n\n", "\n\n\n",
      "\r\n",   "\r",     "\r\n\r\n", " \n",    "\n ",    "\t\n",     "\v",    "\f",   "\u00a0",
      "\u2003", "\u3000", "\u0085",   "\u2028", "\u200b", " \u00a0 ", "\u1680"};
  static constexpr const char* kEmoji[] = {"🦙",
                                           "😀",
                                           "😶‍🌫️",
                                           "👍🏽",
                                           "👨‍👩‍👧‍👦",
                                           "🇩🇪",
                                           "🏳️‍🌈",
                                           "✅",
                                           "❤️",
                                           "🤖",
                                           "🚀",
                                           "©",
                                           "™",
                                           "☃",
                                           "🀄",
                                           "𝄞",
                                           "\U0010FFFD",
                                           "\U000E0001",
                                           "\uFFFD",
                                           "\uFEFF"};
  static constexpr const char* kCode[] = {"for (int i = 0; i < n; ++i) {",
                                          "x->y",
                                          "a && b || !c",
                                          "#include <stdio.h>",
                                          "def f(x):\n    return x**2",
                                          "{\"key\": [1, 2, 3]}",
                                          "SELECT * FROM t;",
                                          "i++;",
                                          "std::vector<int>",
                                          "// comment",
                                          "/* block */",
                                          "$x = @y;",
                                          "<div class=\"a\">",
                                          "`code`",
                                          "~/.bashrc",
                                          "a^b|c",
                                          "x <= y >= z",
                                          "0x1F",
                                          "1e-5",
                                          "if x != nil {",
                                          "    ",
                                          "\t\treturn;",
                                          "::",
                                          "=>",
                                          "...",
                                          "?!",
                                          "!!!",
                                          "---",
                                          "___",
                                          "¿Qué?",
                                          "«»",
                                          "“quoted”",
                                          "‘single’",
                                          "—",
                                          "…",
                                          "。",
                                          "，",
                                          "、",
                                          "！？",
                                          "【】"};
  static constexpr const char* kContractions[] = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d",
                                                  "'S", "'T", "'RE", "'Ve", "'M", "'LL", "'D",
                                                  "'",  "''", "'x",  "n't", "'l", "'r"};

  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

  template <size_t N>
  const char* Pick(const char* const (&list)[N]) {
    return list[Uniform(0, static_cast<int>(N) - 1)];
  }

  void AppendCodepoint(uint32_t c, std::string* s) {
    if (c < 0x80) {
      s->push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      s->push_back(static_cast<char>(0xC0 | (c >> 6)));
      s->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      s->push_back(static_cast<char>(0xE0 | (c >> 12)));
      s->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      s->push_back(static_cast<char>(0xF0 | (c >> 18)));
      s->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }

  void Invalid(std::string* s) {
    static constexpr const char* kBad[] = {
        "\x80",         "\xBF",         "\xC0\xAF",         "\xC1\x81", "\xE0\x80\xAF",
        "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\xAF", "\xC3",     "\xE2\x82",
        "\xF0\x9F\x98", "\xF8",         "\xFE\xFF",         "\xFF",     "\xC2",
        "\x80\x80\x80", "\xE2",         "\xF0\x9F"};
    *s += Pick(kBad);
  }

  void Piece(bool allow_invalid, std::string* s) {
    switch (Uniform(0, 13)) {
      case 0:
      case 1:
        *s += Pick(kWords);
        break;
      case 2:
        *s += Pick(kNumbers);
        break;
      case 3:
        *s += Pick(kSpaces);
        break;
      case 4:
        *s += Pick(kEmoji);
        break;
      case 5:
        *s += Pick(kCode);
        break;
      case 6:
        *s += Pick(kContractions);
        break;
      case 7:  // a random code point from a random plane region
        for (int k = Uniform(1, 4); k > 0; --k) {
          static constexpr uint32_t kRegions[][2] = {
              {0x20, 0x7E},       {0xA0, 0x24F},      {0x300, 0x36F},    {0x370, 0x52F},
              {0x590, 0x6FF},     {0x900, 0xDFF},     {0xE00, 0xEFF},    {0x1100, 0x11FF},
              {0x1E00, 0x1FFF},   {0x2000, 0x2BFF},   {0x3000, 0x30FF},  {0x4E00, 0x9FFF},
              {0xAC00, 0xD7A3},   {0xE000, 0xE0FF},   {0xF900, 0xFFFD},  {0x10000, 0x1FFFF},
              {0x20000, 0x2FFFF}, {0x2EBF0, 0x2EE5D}, {0xE0000, 0xE01EF}};
          const auto& r = kRegions[Uniform(0, static_cast<int>(std::size(kRegions)) - 1)];
          uint32_t c = std::uniform_int_distribution<uint32_t>(r[0], r[1])(rng_);
          if (c >= 0xD800 && c <= 0xDFFF) c = 'x';
          AppendCodepoint(c, s);
        }
        break;
      case 8:  // special tokens, whole or nearly, with spaces around them
        if (!specials_.empty()) {
          const std::string& sp = specials_[Uniform(0, static_cast<int>(specials_.size()) - 1)];
          switch (Uniform(0, 4)) {
            case 0:
              *s += sp;
              break;
            case 1:
              *s += " " + sp + " ";
              break;
            case 2:
              *s += sp.substr(0, sp.size() / 2);
              break;
            case 3:
              *s += sp + sp;
              break;
            default:
              *s += "\n" + sp + "\n\n";
              break;
          }
        } else {
          *s += "<s>";
        }
        break;
      case 9:
        if (allow_invalid) {
          Invalid(s);
        } else {
          *s += Pick(kWords);
        }
        break;
      case 10:  // a run of one character
        *s += std::string(static_cast<size_t>(Uniform(2, 40)), " \n\t-=.0a"[Uniform(0, 7)]);
        break;
      case 11:  // ASCII soup
        for (int k = Uniform(1, 12); k > 0; --k) s->push_back(static_cast<char>(Uniform(0, 127)));
        break;
      default:
        *s += Pick(kWords);
        *s += Pick(kContractions);
        break;
    }
  }

  std::mt19937_64 rng_;
  std::vector<std::string> specials_;
};

}  // namespace rf::testing
