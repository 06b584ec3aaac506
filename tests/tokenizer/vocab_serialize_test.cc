#include "runtime/tokenizer/vocab_serialize.h"

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/tokenizer/tokenizer.h"
#include "tests/test_util.h"

namespace rf::tokenizer {
namespace {

using ::testing::HasSubstr;

Vocab StoriesVocab() {
  auto file = gguf::GgufFile::Open(::rf::testing::ModelPath("stories260K.gguf"));
  EXPECT_TRUE(file.ok());
  auto vocab = gguf::ReadVocab(**file);
  EXPECT_TRUE(vocab.ok());
  return *std::move(vocab);
}

Vocab SmallBpe() {
  Vocab v;
  v.model = ModelKind::kBpe;
  v.pre = PreTokenizer::kQwen2;
  v.pre_name = "qwen2";
  v.tokens = {"a", "b", "ab", "<|end|>"};
  v.scores = {0, 0, 0.5f, 0};
  v.attrs = {kAttrNormal, kAttrNormal, kAttrNormal, kAttrControl | kAttrRstrip};
  v.merges = {"a b"};
  v.eos = 3;
  v.eog = {3};
  v.ignore_merges = true;
  v.add_eos = true;
  return v;
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void ExpectSame(const Vocab& a, const Vocab& b) {
  EXPECT_EQ(a.model, b.model);
  EXPECT_EQ(a.pre, b.pre);
  EXPECT_EQ(a.pre_name, b.pre_name);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_EQ(a.attrs, b.attrs);
  EXPECT_EQ(a.merges, b.merges);
  EXPECT_EQ(a.eog, b.eog);
  EXPECT_EQ(std::tie(a.bos, a.eos, a.eot, a.eom, a.unk, a.sep, a.pad, a.mask),
            std::tie(b.bos, b.eos, b.eot, b.eom, b.unk, b.sep, b.pad, b.mask));
  EXPECT_EQ(std::tie(a.add_bos, a.add_eos, a.add_space_prefix, a.ignore_merges, a.clean_spaces),
            std::tie(b.add_bos, b.add_eos, b.add_space_prefix, b.ignore_merges, b.clean_spaces));
}

TEST(VocabSerializeTest, RoundTrips) {
  for (const Vocab& v : {StoriesVocab(), SmallBpe()}) {
    const std::string bytes = SerializeVocab(v);
    auto back = DeserializeVocab(Bytes(bytes));
    ASSERT_TRUE(back.ok()) << back.status();
    ExpectSame(v, *back);
    EXPECT_EQ(SerializeVocab(*back), bytes);
  }
}

TEST(VocabSerializeTest, EveryTruncationIsAnError) {
  const std::string bytes = SerializeVocab(SmallBpe());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DeserializeVocab(Bytes(bytes.substr(0, n))).ok()) << n;
  }
  auto longer = DeserializeVocab(Bytes(bytes + "x"));
  ASSERT_FALSE(longer.ok());
  EXPECT_THAT(longer.status().message(), HasSubstr("unexpected bytes after the end"));
}

// Any single corrupted byte: an error or a vocabulary that validates, and a tokenizer built from
// whatever comes back works.
TEST(VocabSerializeTest, CorruptBytesNeverCrash) {
  const std::string bytes = SerializeVocab(SmallBpe());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (int x : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(x);
      auto v = DeserializeVocab(Bytes(bad));
      if (!v.ok()) continue;
      auto tok = Tokenizer::Create(*std::move(v));
      ASSERT_TRUE(tok.ok()) << tok.status();
      (*tok)->Encode("ab<|end|> ab", true, true);
    }
  }
}

TEST(VocabSerializeTest, ClearErrors) {
  auto wrong_magic = DeserializeVocab(Bytes("GGUF\x01\x00\x00\x00"));
  ASSERT_FALSE(wrong_magic.ok());
  EXPECT_THAT(wrong_magic.status().message(), HasSubstr("wrong magic"));

  std::string bytes = SerializeVocab(SmallBpe());
  bytes[4] = 9;  // version
  auto version = DeserializeVocab(Bytes(bytes));
  ASSERT_FALSE(version.ok());
  EXPECT_THAT(version.status().message(), HasSubstr("format version 9"));

  // A token count far beyond the data: refused before allocating.
  std::string huge = SerializeVocab(SmallBpe()).substr(0, 4 + 4 + 3 + 1 + 5);
  huge += "\xFF\xFF\xFF\xFF\x0F";
  auto count = DeserializeVocab(Bytes(huge));
  ASSERT_FALSE(count.ok());
  EXPECT_THAT(count.status().message(), HasSubstr("cannot fit"));

  Vocab bad = SmallBpe();
  bad.tokens[1] = "a";  // duplicate: serialized as is, rejected when read
  auto dup = DeserializeVocab(Bytes(SerializeVocab(bad)));
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("same text"));
}

}  // namespace
}  // namespace rf::tokenizer
