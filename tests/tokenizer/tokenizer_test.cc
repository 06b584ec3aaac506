// Tokenizer behaviour that needs no oracle: the bundled SentencePiece model, and small handmade
// vocabularies for the edge cases (missing merges, missing byte tokens, special-token stripping,
// invalid input, bad ids).
#include "runtime/tokenizer/tokenizer.h"

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/tokenizer/byte_encoding.h"
#include "tests/test_util.h"

namespace rf::tokenizer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Ids = std::vector<int32_t>;

std::unique_ptr<Tokenizer> Stories() {
  auto file = gguf::GgufFile::Open(::rf::testing::ModelPath("stories260K.gguf"));
  EXPECT_TRUE(file.ok()) << file.status();
  auto vocab = gguf::ReadVocab(**file);
  EXPECT_TRUE(vocab.ok()) << vocab.status();
  auto tok = Tokenizer::Create(*std::move(vocab));
  EXPECT_TRUE(tok.ok()) << tok.status();
  return *std::move(tok);
}

// A byte-level BPE vocabulary: the 256 byte tokens, then `extra` tokens, with `merges`.
Vocab SmallBpe(const std::vector<std::string>& extra, const std::vector<std::string>& merges) {
  Vocab v;
  v.model = ModelKind::kBpe;
  v.pre = PreTokenizer::kGpt2;
  for (int b = 0; b < 256; ++b) {
    std::string t;
    const char c = static_cast<char>(b);
    AppendByteEncoded(absl::string_view(&c, 1), &t);
    v.tokens.push_back(t);
  }
  for (const std::string& t : extra) v.tokens.push_back(t);
  v.scores.assign(v.tokens.size(), 0.0f);
  v.attrs.assign(v.tokens.size(), kAttrNormal);
  v.merges = merges;
  return v;
}

TEST(TokenizerTest, StoriesOnceUponATime) {
  auto tok = Stories();
  EXPECT_THAT(tok->Encode("Once upon a time", true, true), ElementsAre(1, 403, 407, 261, 378));
  EXPECT_THAT(tok->Encode("Once upon a time", false, false), ElementsAre(403, 407, 261, 378));
  auto text = tok->Decode(tok->Encode("Once upon a time", true, true), {});
  ASSERT_TRUE(text.ok());
  // As llama.cpp: the leading space is kept when a bos precedes it and is not removed.
  EXPECT_EQ(*text, " Once upon a time");
  text = tok->Decode(tok->Encode("Once upon a time", false, false), {});
  EXPECT_EQ(*text, "Once upon a time");
}

TEST(TokenizerTest, EmptyText) {
  auto tok = Stories();
  EXPECT_THAT(tok->Encode("", true, true), ElementsAre(1));
  EXPECT_THAT(tok->Encode("", false, true), ElementsAre());
  EXPECT_EQ(*tok->Decode(Ids{}, {}), "");
}

TEST(TokenizerTest, InvalidUtf8BecomesByteTokensInSentencePiece) {
  auto tok = Stories();
  const std::string bad = "a\xFF\xC3";
  const Ids ids = tok->Encode(bad, false, false);
  ASSERT_FALSE(ids.empty());
  auto text = tok->Decode(ids, {});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, bad);  // byte fallback keeps the bytes as they were
}

TEST(TokenizerTest, SpecialTokensParsedOnlyWhenAsked) {
  auto tok = Stories();
  // <s> and </s> are control tokens: parsed with parse_special, spelled out without.
  EXPECT_THAT(tok->Encode("<s>", false, true), ElementsAre(1));
  EXPECT_GT(tok->Encode("<s>", false, false).size(), 1u);
}

TEST(TokenizerTest, DecodeRejectsIdsOutOfRange) {
  auto tok = Stories();
  auto text = tok->Decode(Ids{5, 512}, {});
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("512"));
  EXPECT_THAT(text.status().message(), HasSubstr("512 tokens"));
  EXPECT_FALSE(tok->Decode(Ids{-1}, {}).ok());
  EXPECT_EQ(tok->TokenToPiece(-7, true), "");
  EXPECT_EQ(tok->TokenToPiece(100000, true), "");
}

TEST(TokenizerTest, ControlTokensRenderOnlyWhenAsked) {
  auto tok = Stories();
  EXPECT_EQ(tok->TokenToPiece(1, false), "");
  EXPECT_EQ(tok->TokenToPiece(1, true), "<s>");
  EXPECT_EQ(*tok->Decode(Ids{1, 403}, {.remove_special = true}), " Once");
  EXPECT_EQ(*tok->Decode(Ids{1, 403}, {.render_special = true}), "<s> Once");
  EXPECT_TRUE(tok->IsEndOfGeneration(2));
  EXPECT_FALSE(tok->IsEndOfGeneration(1));
}

TEST(TokenizerTest, BpeMergesInRankOrder) {
  // "a b" ranks before "b c": "abc" -> "ab" + "c".
  auto tok = Tokenizer::Create(SmallBpe({"ab", "bc", "abc"}, {"a b", "b c", "ab c"}));
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_THAT((*tok)->Encode("abc", false, false), ElementsAre(258));
  EXPECT_THAT((*tok)->Encode("bc", false, false), ElementsAre(257));
}

TEST(TokenizerTest, BpeWithoutMergesSpellsBytes) {
  auto tok = Tokenizer::Create(SmallBpe({}, {}));
  ASSERT_TRUE(tok.ok());
  EXPECT_THAT((*tok)->Encode("hi", false, false), ElementsAre('h', 'i'));
  // Invalid UTF-8 is replaced by U+FFFD (EF BF BD) before byte-level BPE, as llama.cpp does.
  EXPECT_EQ((*tok)->Encode("\xFF", false, false).size(), 3u);
}

TEST(TokenizerTest, BpeMergeWhoseResultIsNoTokenFallsBackToBytes) {
  // "x y" merges, but "xy" is not a token: each byte of it is emitted instead.
  auto tok = Tokenizer::Create(SmallBpe({}, {"x y", "nonsense", " "}));
  ASSERT_TRUE(tok.ok());
  EXPECT_THAT((*tok)->Encode("xy", false, false), ElementsAre('x', 'y'));
}

TEST(TokenizerTest, SpecialTokenStripping) {
  Vocab v = SmallBpe({"<|a|>", "<|b|>"}, {});
  v.attrs[256] = kAttrControl | kAttrRstrip;
  v.attrs[257] = kAttrUserDefined | kAttrLstrip;
  auto tok = Tokenizer::Create(v);
  ASSERT_TRUE(tok.ok());
  // rstrip swallows the whitespace after <|a|>; lstrip the whitespace before <|b|>.
  EXPECT_THAT((*tok)->Encode("<|a|> \n x \t<|b|>", false, true), ElementsAre(256, 'x', 257));
  // Without parse_special the control token is text; the user-defined one still matches.
  const Ids ids = (*tok)->Encode("<|a|><|b|>", false, false);
  EXPECT_EQ(ids.back(), 257);
  EXPECT_GT(ids.size(), 2u);
}

TEST(TokenizerTest, LongerSpecialTokensWinFirst) {
  // llama.cpp matches the longest special texts first everywhere, then shorter ones in what is
  // left: "xabc" with specials "abc" (longer) and "xa" gives x + <abc>, not <xa> + b + c.
  Vocab v = SmallBpe({"xa", "abc"}, {});
  v.attrs[256] = kAttrControl;
  v.attrs[257] = kAttrControl;
  auto tok = Tokenizer::Create(v);
  ASSERT_TRUE(tok.ok());
  EXPECT_THAT((*tok)->Encode("xabc", false, true), ElementsAre('x', 257));
}

TEST(TokenizerTest, SentencePieceWithoutByteTokensUsesUnk) {
  Vocab v;
  v.model = ModelKind::kSentencePiece;
  v.tokens = {"<unk>", "\xE2\x96\x81", "a"};
  v.scores = {0, -1, -1};
  v.attrs = {kAttrUnknown, kAttrNormal, kAttrNormal};
  v.unk = 0;
  v.add_space_prefix = true;
  auto tok = Tokenizer::Create(v);
  ASSERT_TRUE(tok.ok()) << tok.status();
  // 'b' has no token and no byte token: llama.cpp aborts here, we give unk.
  EXPECT_THAT((*tok)->Encode("ab", false, false), ElementsAre(1, 2, 0));
  v.unk = kNoToken;
  auto no_unk = Tokenizer::Create(v);
  ASSERT_TRUE(no_unk.ok());
  EXPECT_THAT((*no_unk)->Encode("ab", false, false), ElementsAre(1, 2));
}

// A token with a space inside ("a▁b") can join words, so the encoder must not merge word by word:
// "▁a▁b" merges "a▁" (the best pair) then "a▁b", giving ▁ + a▁b, not ▁a + ▁b.
TEST(TokenizerTest, SentencePieceTokensSpanningWords) {
  Vocab v;
  v.model = ModelKind::kSentencePiece;
  const std::string sp = "\xE2\x96\x81";
  v.tokens = {"<unk>", sp, "a", "b", sp + "a", "a" + sp, "a" + sp + "b", sp + "b"};
  v.scores = {0, -5, -5, -5, -1, -0.5f, 0, -2};
  v.attrs.assign(v.tokens.size(), kAttrNormal);
  v.attrs[0] = kAttrUnknown;
  v.unk = 0;
  v.add_space_prefix = true;
  auto tok = Tokenizer::Create(v);
  ASSERT_TRUE(tok.ok()) << tok.status();
  EXPECT_THAT((*tok)->Encode("a b", false, false), ElementsAre(1, 6));
  EXPECT_EQ(*(*tok)->Decode(Ids{1, 6}, {}), "a b");
}

TEST(ValidateVocabTest, ClearErrors) {
  const Vocab good = SmallBpe({"ab"}, {"a b"});
  ASSERT_TRUE(ValidateVocab(good).ok());
  auto error = [&](auto mutate) {
    Vocab v = good;
    mutate(v);
    const absl::Status s = ValidateVocab(v);
    EXPECT_FALSE(s.ok());
    return std::string(s.message());
  };
  EXPECT_THAT(error([](Vocab& v) { v.tokens[3].clear(); }), HasSubstr("token 3: empty text"));
  EXPECT_THAT(error([](Vocab& v) { v.tokens[256] = "a"; }), HasSubstr("same text"));
  EXPECT_THAT(error([](Vocab& v) { v.bos = 257; }), HasSubstr("bos token id 257 is out of range"));
  EXPECT_THAT(error([](Vocab& v) { v.eos = -5; }), HasSubstr("eos token id -5"));
  EXPECT_THAT(error([](Vocab& v) { v.scores.pop_back(); }), HasSubstr("scores"));
  EXPECT_THAT(error([](Vocab& v) { v.attrs.push_back(0); }), HasSubstr("attributes"));
  EXPECT_THAT(error([](Vocab& v) { v.scores[0] = NAN; }), HasSubstr("NaN"));
  EXPECT_THAT(error([](Vocab& v) { v.add_bos = true; }), HasSubstr("no bos"));
  EXPECT_THAT(error([](Vocab& v) { v.pre = PreTokenizer::kNone; }), HasSubstr("pre-tokenizer"));
  EXPECT_THAT(error([](Vocab& v) { v.pre = static_cast<PreTokenizer>(99); }),
              HasSubstr("unknown pre-tokenizer"));
  EXPECT_THAT(error([](Vocab& v) { v.eog = {3, 2}; }), HasSubstr("sorted"));
  EXPECT_THAT(error([](Vocab& v) { v.tokens.clear(); }), HasSubstr("no tokens"));
  EXPECT_FALSE(Tokenizer::Create(Vocab{}).ok());
}

}  // namespace
}  // namespace rf::tokenizer
