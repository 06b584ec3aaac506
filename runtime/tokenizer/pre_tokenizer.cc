#include "runtime/tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "runtime/tokenizer/unicode.h"

namespace rf::tokenizer {
namespace {

// A chunk of code points [begin, end) being split; positions outside it read as "nothing" (the
// hand-written matchers look one or two code points ahead, never past their chunk).
class Chunk {
 public:
  static constexpr uint32_t kOutside = 0xFFFFFFFF;

  Chunk(std::span<const uint32_t> cpts, std::span<const CodepointClass> classes, size_t begin,
        size_t end)
      : cpts_(cpts), classes_(classes), begin_(begin), end_(end) {}

  size_t begin() const { return begin_; }
  size_t end() const { return end_; }
  bool inside(size_t p) const { return p >= begin_ && p < end_; }
  uint32_t cpt(size_t p) const { return inside(p) ? cpts_[p] : kOutside; }
  // The class of the code point at p; outside the chunk, a class with no property set.
  CodepointClass cls(size_t p) const { return inside(p) ? classes_[p] : kNothing; }
  bool letter(size_t p) const { return inside(p) && classes_[p].letter(); }
  bool number(size_t p) const { return inside(p) && classes_[p].number(); }
  bool space(size_t p) const { return inside(p) && classes_[p].whitespace; }

 private:
  static constexpr CodepointClass kNothing{Category::kUndefined, false};
  std::span<const uint32_t> cpts_;
  std::span<const CodepointClass> classes_;
  size_t begin_, end_;
};

// Appends the pieces of one chunk as lengths; `Emit(end)` closes the piece that ends at `end`.
class Pieces {
 public:
  Pieces(size_t begin, std::vector<size_t>* out) : prev_(begin), out_(out) {}
  void Emit(size_t end) {
    if (end > prev_) out_->push_back(end - prev_);
    prev_ = end;
  }

 private:
  size_t prev_;
  std::vector<size_t>* out_;
};

bool IsCrLf(uint32_t c) {
  return c == '\r' || c == '\n';
}

// 's 't 're 've 'm 'll 'd at p: the length matched (0 if none). Case-insensitive for the Llama 3
// family (ASCII lower-casing is exact here: no other code point lower-cases to these letters).
size_t Contraction(const Chunk& c, size_t p, bool ignore_case) {
  if (c.cpt(p) != '\'' || !c.inside(p + 1)) return 0;
  auto low = [&](uint32_t x) { return ignore_case && x >= 'A' && x <= 'Z' ? x + 32 : x; };
  const uint32_t a = low(c.cpt(p + 1));
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (!c.inside(p + 2)) return 0;
  const uint32_t b = low(c.cpt(p + 2));
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// Neither whitespace, letter nor number, and inside the chunk: [^\s\p{L}\p{N}].
bool Other(const Chunk& c, size_t p) {
  return c.inside(p) && !c.space(p) && !c.letter(p) && !c.number(p);
}

// Whitespace at the end of a matcher: \s+(?!\S) leaves the last whitespace for the next word when
// a non-space follows inside the chunk, else \s+. With `newlines`, \s*[\r\n]+ first: up to and
// including the last \r or \n of the run.
size_t Whitespace(const Chunk& c, size_t p, bool newlines) {
  size_t n = 0;
  size_t after_crlf = 0;
  while (c.space(p + n)) {
    if (newlines && IsCrLf(c.cpt(p + n))) after_crlf = p + n + 1;
    ++n;
  }
  if (after_crlf > 0) return after_crlf;
  if (n > 1 && c.inside(p + n)) return p + n - 1;
  if (n > 0) return p + n;
  return p + 1;  // nothing matched: the code point alone
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void SplitGpt2(const Chunk& c, std::vector<size_t>* out) {
  Pieces pieces(c.begin(), out);
  for (size_t p = c.begin(); p < c.end();) {
    if (size_t n = Contraction(c, p, /*ignore_case=*/false)) {
      pieces.Emit(p += n);
      continue;
    }
    const size_t q = c.cpt(p) == ' ' ? p + 1 : p;  // where the optional space would end
    if (c.letter(q)) {
      p = q;
      while (c.letter(p)) ++p;
      pieces.Emit(p);
    } else if (c.number(q)) {
      p = q;
      while (c.number(p)) ++p;
      pieces.Emit(p);
    } else if (Other(c, q)) {
      p = q;
      while (Other(c, p)) ++p;
      pieces.Emit(p);
    } else {
      pieces.Emit(p = Whitespace(c, p, /*newlines=*/false));
    }
  }
}

// The Llama 3 family:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}|
//   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// max_digits is 3 for Llama 3, 1 for Qwen2. With `marks` (Qwen3.5) letter runs are [\p{L}\p{M}]+
// and marks leave the punctuation class.
void SplitLlama3Like(const Chunk& c, size_t max_digits, bool marks, std::vector<size_t>* out) {
  auto letter = [&](size_t p) { return c.letter(p) || (marks && c.cls(p).mark()); };
  auto other = [&](size_t p) { return Other(c, p) && !(marks && c.cls(p).mark()); };
  Pieces pieces(c.begin(), out);
  for (size_t p = c.begin(); p < c.end();) {
    const uint32_t cpt = c.cpt(p);
    if (size_t n = Contraction(c, p, /*ignore_case=*/true)) {
      pieces.Emit(p += n);
      continue;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+ : any one code point but \r \n or a number may lead a letter run.
    if (!IsCrLf(cpt) && !c.number(p) && (letter(p) || letter(p + 1))) {
      ++p;
      while (letter(p)) ++p;
      pieces.Emit(p);
      continue;
    }
    if (c.number(p)) {
      size_t run = 0;
      while (c.number(p) && run < max_digits) ++p, ++run;
      pieces.Emit(p);
      continue;
    }
    // " ?[^\s\p{L}\p{N}]+[\r\n]*". llama.cpp tests the class of the code point after an optional
    // space, so a space that ends the chunk is taken here, alone (the same piece \s+ would give).
    const size_t q = cpt == ' ' ? p + 1 : p;
    if (!c.space(q) && !letter(q) && !c.number(q)) {
      p = q;
      while (other(p)) ++p;
      while (IsCrLf(c.cpt(p))) ++p;
      pieces.Emit(p);
      continue;
    }
    pieces.Emit(p = Whitespace(c, p, /*newlines=*/true));
  }
}

// What a std::regex iterator does with a pattern that never matches empty: at each position from
// the left try to match; a match is a piece, and so is the text between two matches.
// `match(p)` returns the length of the match at p (0: none), never reaching past the chunk.
template <typename Match>
void SplitByMatches(const Chunk& c, Match match, std::vector<size_t>* out) {
  Pieces pieces(c.begin(), out);
  for (size_t p = c.begin(); p < c.end();) {
    const size_t n = match(p);
    if (n == 0) {
      ++p;
      continue;
    }
    pieces.Emit(p);
    pieces.Emit(p += n);
  }
  pieces.Emit(c.end());
}

// C+ : a run of the class.
template <typename Class>
void SplitRuns(const Chunk& c, Class in, std::vector<size_t>* out) {
  SplitByMatches(
      c,
      [&](size_t p) {
        size_t q = p;
        while (q < c.end() && in(q)) ++q;
        return q - p;
      },
      out);
}

// \s?C+ : a run of the class, with one whitespace before it if there is one.
template <typename Class>
void SplitSpaceRuns(const Chunk& c, Class in, std::vector<size_t>* out) {
  SplitByMatches(
      c,
      [&](size_t p) -> size_t {
        size_t q = p;
        if (c.space(q) && q + 1 < c.end() && in(q + 1)) ++q;  // \s? greedy, if C+ can follow
        if (!in(q)) return 0;
        while (q < c.end() && in(q)) ++q;
        return q - p;
      },
      out);
}

// C : each code point of the class alone.
template <typename Class>
void SplitEach(const Chunk& c, Class in, std::vector<size_t>* out) {
  SplitByMatches(
      c, [&](size_t p) -> size_t { return in(p) ? 1 : 0; }, out);
}

// [0-9][0-9][0-9] (ASCII digits only).
void SplitDigitTriples(const Chunk& c, std::vector<size_t>* out) {
  auto digit = [&](size_t p) { return c.inside(p) && c.cpt(p) >= '0' && c.cpt(p) <= '9'; };
  SplitByMatches(
      c, [&](size_t p) -> size_t { return digit(p) && digit(p + 1) && digit(p + 2) ? 3 : 0; }, out);
}

// \s+$ : the whitespace that ends the chunk.
void SplitTrailingSpace(const Chunk& c, std::vector<size_t>* out) {
  size_t start = c.end();
  while (start > c.begin() && c.space(start - 1)) --start;
  SplitByMatches(
      c, [&](size_t p) -> size_t { return p == start ? c.end() - p : 0; }, out);
}

// Punctuation classes of the regexes that run on llama.cpp's collapsed text, where \p{P} is a
// byte standing for every non-ASCII punctuation code point plus the ASCII punctuation.
bool PunctuationOr(const Chunk& c, size_t p, absl::string_view ascii_extra) {
  if (c.cls(p).punctuation()) return true;
  const uint32_t x = c.cpt(p);
  return x < 0x80 && ascii_extra.find(static_cast<char>(x)) != absl::string_view::npos;
}

// The regexes that llama.cpp runs through std::wregex compare code points, except that non-ASCII
// whitespace is replaced by U+000B first (so a class naming U+3000 never matches it).
uint32_t WregexCpt(const Chunk& c, size_t p) {
  const uint32_t x = c.cpt(p);
  return x >= 0x80 && c.space(p) ? 0x0B : x;
}

struct CptRange {
  uint32_t lo, hi;
};

template <size_t N>
bool InRanges(uint32_t x, const CptRange (&ranges)[N]) {
  for (const CptRange& r : ranges) {
    if (x >= r.lo && x <= r.hi) return true;
  }
  return false;
}

// [一-龥ࠀ-一가-퟿] of the DeepSeek pre-tokenizers.
constexpr CptRange kDeepseekCjk[] = {{0x4E00, 0x9FA5}, {0x0800, 0x4E00}, {0xAC00, 0xD7FF}};

// The letter class of DeepSeek LLM's \s?[A-Za-zµÀ-ÖØ-öø-ƺ...]+ (cased letters of many scripts).
constexpr CptRange kDeepseekLetters[] = {
    {0x41, 0x5A},       {0x61, 0x7A},       {0xB5, 0xB5},       {0xC0, 0xD6},
    {0xD8, 0xF6},       {0xF8, 0x1BA},      {0x1BC, 0x1BF},     {0x1C4, 0x293},
    {0x295, 0x2AF},     {0x370, 0x373},     {0x376, 0x377},     {0x37B, 0x37D},
    {0x37F, 0x37F},     {0x386, 0x386},     {0x388, 0x38A},     {0x38C, 0x38C},
    {0x38E, 0x3A1},     {0x3A3, 0x3F5},     {0x3F7, 0x481},     {0x48A, 0x52F},
    {0x531, 0x556},     {0x10A0, 0x10C5},   {0x13A0, 0x13F5},   {0x13F8, 0x13FD},
    {0x1C90, 0x1CBA},   {0x1CBD, 0x1CBF},   {0x1D00, 0x1D2B},   {0x1D6B, 0x1D77},
    {0x1D79, 0x1D9A},   {0x1E00, 0x1F15},   {0x1F18, 0x1F1D},   {0x1F20, 0x1F45},
    {0x1F48, 0x1F4D},   {0x1F50, 0x1F57},   {0x1F59, 0x1F59},   {0x1F5B, 0x1F5B},
    {0x1F5D, 0x1F5D},   {0x1F5F, 0x1F7D},   {0x1F80, 0x1FB4},   {0x1FB6, 0x1FBC},
    {0x1FBE, 0x1FBE},   {0x1FC2, 0x1FC4},   {0x1FC6, 0x1FCC},   {0x1FD0, 0x1FD3},
    {0x1FD6, 0x1FDB},   {0x1FE0, 0x1FEC},   {0x1FF2, 0x1FF4},   {0x1FF6, 0x1FFC},
    {0x2102, 0x2102},   {0x2107, 0x2107},   {0x210A, 0x2113},   {0x2115, 0x2115},
    {0x2119, 0x211D},   {0x2124, 0x2124},   {0x2126, 0x2126},   {0x2128, 0x2128},
    {0x212A, 0x212D},   {0x212F, 0x2134},   {0x2139, 0x2139},   {0x213C, 0x213F},
    {0x2145, 0x2149},   {0x214E, 0x214E},   {0x2183, 0x2184},   {0x2C00, 0x2C7B},
    {0x2C7E, 0x2CE4},   {0x2CEB, 0x2CEE},   {0x2CF2, 0x2CF3},   {0xA640, 0xA66D},
    {0xA680, 0xA69B},   {0xA722, 0xA76F},   {0xA771, 0xA787},   {0xA78B, 0xA78E},
    {0xAB70, 0xABBF},   {0xFB00, 0xFB06},   {0xFB13, 0xFB17},   {0xFF21, 0xFF3A},
    {0xFF41, 0xFF5A},   {0x10400, 0x1044F}, {0x104B0, 0x104D3}, {0x104D8, 0x104FB},
    {0x10C80, 0x10CB2}, {0x10CC0, 0x10CF2}, {0x118A0, 0x118DF}, {0x1E900, 0x1E943},
};

// DeepSeek LLM's \s?[!-/:-~！-／：-～‘-‟　-。]+ : ASCII and full-width punctuation and symbols.
constexpr CptRange kDeepseekPunct[] = {{0x21, 0x2F},     {0x3A, 0x7E},     {0xFF01, 0xFF0F},
                                       {0xFF1A, 0xFF5E}, {0x2018, 0x201F}, {0x3000, 0x3002}};

using Step = void (*)(const Chunk&, std::vector<size_t>*);

void StepGpt2(const Chunk& c, std::vector<size_t>* out) {
  SplitGpt2(c, out);
}
void StepLlama3(const Chunk& c, std::vector<size_t>* out) {
  SplitLlama3Like(c, 3, false, out);
}
void StepQwen2(const Chunk& c, std::vector<size_t>* out) {
  SplitLlama3Like(c, 1, false, out);
}
void StepQwen35(const Chunk& c, std::vector<size_t>* out) {
  SplitLlama3Like(c, 1, true, out);
}
void StepDigitTriples(const Chunk& c, std::vector<size_t>* out) {
  SplitDigitTriples(c, out);
}
void StepTrailingSpace(const Chunk& c, std::vector<size_t>* out) {
  SplitTrailingSpace(c, out);
}

// \p{N}
void StepEachNumber(const Chunk& c, std::vector<size_t>* out) {
  SplitEach(
      c, [&](size_t p) { return c.number(p); }, out);
}
// \p{N}+
void StepNumberRuns(const Chunk& c, std::vector<size_t>* out) {
  SplitRuns(
      c, [&](size_t p) { return c.number(p); }, out);
}
// [\p{P}\$\+<=>\^~\|]+
void StepPunctRuns(const Chunk& c, std::vector<size_t>* out) {
  SplitRuns(
      c, [&](size_t p) { return PunctuationOr(c, p, "$+<=>^~|"); }, out);
}
// [\p{P}\$\+<=>\^~\|`]+
void StepPunctRunsFalcon(const Chunk& c, std::vector<size_t>* out) {
  SplitRuns(
      c, [&](size_t p) { return PunctuationOr(c, p, "$+<=>^~|`"); }, out);
}
// [\r\n]
void StepEachCrLf(const Chunk& c, std::vector<size_t>* out) {
  SplitEach(
      c, [&](size_t p) { return IsCrLf(c.cpt(p)); }, out);
}
// \s?\p{L}+
void StepSpaceLetters(const Chunk& c, std::vector<size_t>* out) {
  SplitSpaceRuns(
      c, [&](size_t p) { return c.letter(p); }, out);
}
// \s?\p{P}+
void StepSpacePunct(const Chunk& c, std::vector<size_t>* out) {
  SplitSpaceRuns(
      c, [&](size_t p) { return c.cls(p).punctuation(); }, out);
}
void StepDeepseekCjk(const Chunk& c, std::vector<size_t>* out) {
  SplitRuns(
      c, [&](size_t p) { return InRanges(WregexCpt(c, p), kDeepseekCjk); }, out);
}
void StepDeepseekLetters(const Chunk& c, std::vector<size_t>* out) {
  SplitSpaceRuns(
      c, [&](size_t p) { return InRanges(WregexCpt(c, p), kDeepseekLetters); }, out);
}
void StepDeepseekPunct(const Chunk& c, std::vector<size_t>* out) {
  SplitSpaceRuns(
      c, [&](size_t p) { return InRanges(WregexCpt(c, p), kDeepseekPunct); }, out);
}

std::span<const Step> Steps(PreTokenizer pre) {
  static constexpr Step kDefault[] = {StepPunctRuns, StepGpt2, StepNumberRuns, StepDigitTriples};
  static constexpr Step kGpt2[] = {StepGpt2};
  static constexpr Step kLlama3[] = {StepLlama3};
  static constexpr Step kQwen2[] = {StepQwen2};
  static constexpr Step kQwen35[] = {StepQwen35};
  static constexpr Step kStarcoder[] = {StepEachNumber, StepGpt2};
  static constexpr Step kFalcon[] = {StepPunctRunsFalcon, StepGpt2, StepDigitTriples};
  static constexpr Step kDeepseekLlm[] = {StepEachCrLf,      StepDeepseekLetters, StepDeepseekPunct,
                                          StepTrailingSpace, StepDeepseekCjk,     StepNumberRuns};
  static constexpr Step kDeepseekCoder[] = {StepEachCrLf, StepSpaceLetters, StepSpacePunct,
                                            StepDeepseekCjk, StepEachNumber};
  switch (pre) {
    case PreTokenizer::kNone:
      return {};
    case PreTokenizer::kDefault:
      return kDefault;
    case PreTokenizer::kGpt2:
      return kGpt2;
    case PreTokenizer::kLlama3:
      return kLlama3;
    case PreTokenizer::kQwen2:
      return kQwen2;
    case PreTokenizer::kQwen35:
      return kQwen35;
    case PreTokenizer::kStarcoder:
      return kStarcoder;
    case PreTokenizer::kFalcon:
      return kFalcon;
    case PreTokenizer::kDeepseekLlm:
      return kDeepseekLlm;
    case PreTokenizer::kDeepseekCoder:
      return kDeepseekCoder;
  }
  return {};
}

}  // namespace

void PreTokenize(PreTokenizer pre, std::span<const uint32_t> cpts, std::vector<size_t>* lengths) {
  std::vector<CodepointClass> classes(cpts.size());
  for (size_t i = 0; i < cpts.size(); ++i) classes[i] = Classify(cpts[i]);
  std::vector<size_t> current = {cpts.size()};
  std::vector<size_t> next;
  for (Step step : Steps(pre)) {
    next.clear();
    size_t begin = 0;
    for (size_t len : current) {
      step(Chunk(cpts, classes, begin, begin + len), &next);
      begin += len;
    }
    current.swap(next);
  }
  for (size_t len : current) {
    if (len > 0) lengths->push_back(len);
  }
}

}  // namespace rf::tokenizer
