#include "runtime/tokenizer/stream_decoder.h"

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"
#include "tests/tokenizer/random_text.h"

namespace rf::tokenizer {
namespace {

std::unique_ptr<Tokenizer> Stories() {
  auto file = gguf::GgufFile::Open(::rf::testing::ModelPath("stories260K.gguf"));
  EXPECT_TRUE(file.ok());
  auto vocab = gguf::ReadVocab(**file);
  EXPECT_TRUE(vocab.ok());
  return *Tokenizer::Create(*std::move(vocab));
}

// stories260K has 512 tokens, so an emoji is spelled with four byte tokens: nothing may come out
// until the fourth.
TEST(StreamDecoderTest, HoldsBackPartialCharacters) {
  auto tok = Stories();
  const std::vector<int32_t> ids = tok->Encode("\xF0\x9F\xA6\x99!", false, false);
  std::vector<std::string> parts;
  for (int32_t id : ids) parts.push_back(std::string(tok->TokenToPiece(id, false)));
  // " ", then the emoji's four bytes one token each, then "!".
  ASSERT_EQ(parts, (std::vector<std::string>{" ", "\xF0", "\x9F", "\xA6", "\x99", "!"}));
  StreamDecoder d(*tok);
  EXPECT_EQ(d.Next(ids[0]), " ");
  EXPECT_EQ(d.Next(ids[1]), "");
  EXPECT_EQ(d.Next(ids[2]), "");
  EXPECT_EQ(d.Next(ids[3]), "");
  EXPECT_EQ(d.pending(), 3u);
  EXPECT_EQ(d.Next(ids[4]), "\xF0\x9F\xA6\x99");
  EXPECT_EQ(d.Next(ids[5]), "!");
  EXPECT_EQ(d.Finish(), "");
}

TEST(StreamDecoderTest, InvalidBytesBecomeReplacementCharacters) {
  std::string out;
  EXPECT_EQ(AppendValidUtf8("a\x80"
                            "b",
                            &out),
            0u);
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b");
  out.clear();
  EXPECT_EQ(AppendValidUtf8("ok\xE2\x82", &out), 2u);  // could still become a character
  EXPECT_EQ(out, "ok");
  out.clear();
  EXPECT_EQ(AppendValidUtf8("\xE2\x28", &out), 0u);  // cannot
  EXPECT_EQ(out, "\xEF\xBF\xBD(");
  out.clear();
  EXPECT_EQ(AppendValidUtf8("\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80", &out), 0u);
  EXPECT_EQ(out.find_first_not_of("\xEF\xBF\xBD"), std::string::npos);  // all replaced
}

TEST(StreamDecoderTest, FinishFlushesAnIncompleteCharacter) {
  auto tok = Stories();
  StreamDecoder d(*tok);
  const std::vector<int32_t> ids = tok->Encode("\xE2\x82", false, false);  // cut-short euro sign
  std::string out;
  for (int32_t id : ids) out += d.Next(id);
  EXPECT_EQ(out, " ");
  EXPECT_EQ(d.Finish(), "\xEF\xBF\xBD");
  EXPECT_EQ(d.Finish(), "");
  EXPECT_EQ(d.Next(-1), "");  // out of range: nothing
}

// For valid text the stream is exactly the decoded text, however the tokens split characters.
TEST(StreamDecoderTest, StreamEqualsWholeDecode) {
  auto tok = Stories();
  ::rf::testing::RandomText gen(7, {});
  for (int i = 0; i < 500; ++i) {
    const std::string s = gen.Next(10, /*allow_invalid=*/false);
    const std::vector<int32_t> ids = tok->Encode(s, false, false);
    StreamDecoder d(*tok);
    std::string streamed;
    for (int32_t id : ids) {
      const std::string part = d.Next(id);
      std::string check;
      EXPECT_EQ(AppendValidUtf8(part, &check), 0u);
      EXPECT_EQ(check, part) << "not valid UTF-8";
      streamed += part;
    }
    streamed += d.Finish();
    std::string whole;
    for (int32_t id : ids) whole += std::string(tok->TokenToPiece(id, false));
    std::string valid;
    EXPECT_EQ(AppendValidUtf8(whole, &valid), 0u);
    EXPECT_EQ(streamed, valid);
  }
}

}  // namespace
}  // namespace rf::tokenizer
