// Reading tokenizer.ggml.* into a Vocab: llama.cpp's defaults and conventions, and clear errors
// for vocabularies that cannot work (missing merges, arrays of the wrong length or type, ...).
#include "frontends/gguf/vocab.h"

#include "frontends/gguf/gguf_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/tokenizer/tokenizer.h"
#include "tests/test_util.h"

namespace rf::gguf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using tokenizer::kNoToken;

// A small byte-level BPE vocabulary file; `edit` changes it before it is written.
absl::StatusOr<tokenizer::Vocab> ReadBpe(const std::function<void(GgufWriter&)>& edit,
                                         std::vector<std::string>* warnings = nullptr) {
  GgufWriter w;
  w.SetString("general.architecture", "qwen2");
  w.SetString("tokenizer.ggml.model", "gpt2");
  w.SetString("tokenizer.ggml.pre", "qwen2");
  const std::vector<std::string> tokens = {"a", "b", "ab", "<|im_end|>", "<|endoftext|>", "Ġ"};
  w.SetStringArray("tokenizer.ggml.tokens", tokens);
  const std::vector<int64_t> types = {1, 1, 1, 3, 1, 1};
  w.SetIntArray("tokenizer.ggml.token_type", ValueType::kI32, types);
  const std::vector<std::string> merges = {"a b"};
  w.SetStringArray("tokenizer.ggml.merges", merges);
  w.SetU32("tokenizer.ggml.eos_token_id", 4);
  edit(w);
  const std::string path = ::rf::testing::TempDir() + "/vocab.gguf";
  absl::Status written = w.WriteFile(path);
  if (!written.ok()) return written;
  auto file = GgufFile::Open(path);
  if (!file.ok()) return file.status();
  return ReadVocab(**file, warnings);
}

std::string ErrorOf(const std::function<void(GgufWriter&)>& edit) {
  auto v = ReadBpe(edit);
  EXPECT_FALSE(v.ok());
  return v.ok() ? "" : std::string(v.status().message());
}

TEST(GgufVocabTest, ReadsByteLevelBpe) {
  auto v = ReadBpe([](GgufWriter&) {});
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->model, tokenizer::ModelKind::kBpe);
  EXPECT_EQ(v->pre, tokenizer::PreTokenizer::kQwen2);
  EXPECT_FALSE(v->clean_spaces);  // qwen2's flag
  EXPECT_EQ(v->eos, 4);
  EXPECT_EQ(v->bos, kNoToken);  // the default 11 is out of range
  // <|im_end|> and <|endoftext|> end generation; <|endoftext|> becomes a control token.
  EXPECT_THAT(v->eog, ElementsAre(3, 4));
  EXPECT_TRUE(v->attrs[4] & tokenizer::kAttrControl);
  EXPECT_EQ(v->eot, 3);
  auto tok = tokenizer::Tokenizer::Create(*v);
  ASSERT_TRUE(tok.ok());
  EXPECT_THAT((*tok)->Encode("ab<|im_end|>", true, true), ElementsAre(2, 3));
}

TEST(GgufVocabTest, StoriesKeepsDefaultForOutOfRangePadding) {
  auto file = GgufFile::Open(::rf::testing::ModelPath("stories260K.gguf"));
  ASSERT_TRUE(file.ok());
  std::vector<std::string> warnings;
  auto v = ReadVocab(**file, &warnings);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->model, tokenizer::ModelKind::kSentencePiece);
  EXPECT_EQ(v->tokens.size(), 512u);
  EXPECT_EQ(v->bos, 1);
  EXPECT_EQ(v->eos, 2);
  EXPECT_EQ(v->pad, kNoToken);  // 4294967295 in the file
  EXPECT_TRUE(v->add_bos);
  EXPECT_TRUE(v->add_space_prefix);
  bool warned = false;
  for (const std::string& w : warnings) warned |= w.find("padding_token_id") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(GgufVocabTest, OutOfRangeSpecialIdsKeepTheDefault) {
  std::vector<std::string> warnings;
  auto v = ReadBpe([](GgufWriter& w) { w.SetU32("tokenizer.ggml.eos_token_id", 600); }, &warnings);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->eos, kNoToken);
  bool warned = false;
  for (const std::string& w : warnings)
    warned |= w.find("eos_token_id = 600 is out of range") != std::string::npos;
  EXPECT_TRUE(warned);
  v = ReadBpe([](GgufWriter& w) { w.SetI32("tokenizer.ggml.bos_token_id", -1); });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->bos, kNoToken);
}

TEST(GgufVocabTest, ClearErrors) {
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.Remove("tokenizer.ggml.merges"); }),
              HasSubstr("tokenizer.ggml.merges is missing"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.Remove("tokenizer.ggml.model"); }),
              HasSubstr("tokenizer.ggml.model is missing"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.Remove("tokenizer.ggml.tokens"); }),
              HasSubstr("tokenizer.ggml.tokens is missing"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.SetString("tokenizer.ggml.model", "bert"); }),
              HasSubstr("'bert' is not supported"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.SetString("tokenizer.ggml.pre", "tekken"); }),
              HasSubstr("'tekken' is not supported (supported: default, llama3"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) {
                const std::vector<double> scores = {0, 0};
                w.SetFloatArray("tokenizer.ggml.scores", ValueType::kF32, scores);
              }),
              HasSubstr("scores has 2 entries for 6 tokens"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) {
                const std::vector<int64_t> types = {1};
                w.SetIntArray("tokenizer.ggml.token_type", ValueType::kI32, types);
              }),
              HasSubstr("token_type has 1 entries for 6 tokens"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) {
                const std::vector<int64_t> types = {1, 1, 1, 1, 1, 1};
                w.SetIntArray("tokenizer.ggml.token_type", ValueType::kU8, types);
              }),
              HasSubstr("expected an array of i32"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.SetU32("tokenizer.ggml.merges", 3); }),
              HasSubstr("tokenizer.ggml.merges"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) {
                const std::vector<std::string> dup = {"a", "b", "a"};
                w.SetStringArray("tokenizer.ggml.tokens", dup);
                w.Remove("tokenizer.ggml.token_type");
              }),
              HasSubstr("tokens 0 and 2 are both 'a'"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.SetBool("tokenizer.ggml.add_bos_token", true); }),
              HasSubstr("adds a BOS token"));
  EXPECT_THAT(ErrorOf([](GgufWriter& w) { w.SetString("tokenizer.ggml.eos_token_id", "x"); }),
              HasSubstr("eos_token_id: expected an integer"));
}

TEST(GgufVocabTest, EmptyTokenTextsGetLlamaCppsName) {
  std::vector<std::string> warnings;
  auto v = ReadBpe(
      [](GgufWriter& w) {
        const std::vector<std::string> tokens = {"a", "", "ab", "<|im_end|>", "<|endoftext|>", "Ġ"};
        w.SetStringArray("tokenizer.ggml.tokens", tokens);
      },
      &warnings);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->tokens[1], "[EMPTY_1]");
  EXPECT_FALSE(warnings.empty());
}

TEST(GgufVocabTest, MissingPreTokenizerUsesDefault) {
  std::vector<std::string> warnings;
  auto v = ReadBpe([](GgufWriter& w) { w.Remove("tokenizer.ggml.pre"); }, &warnings);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->pre, tokenizer::PreTokenizer::kDefault);
  EXPECT_FALSE(warnings.empty());
}

}  // namespace
}  // namespace rf::gguf
