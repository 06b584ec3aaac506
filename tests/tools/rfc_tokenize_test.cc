// `rfc tokenize` prints what `llama-logits --tokenize` prints (ids with BOS/EOS per metadata,
// special tokens parsed), and --decode turns the ids back into the text.
#include <string>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace rf {
namespace {

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Rfc(const std::string& args, int* code = nullptr) {
  return testing::RunCommand(std::string(RF_RFC_PATH) + " " + args + " 2>&1", code);
}

TEST(RfcTokenizeTest, StoriesPrompt) {
  EXPECT_EQ(Rfc("tokenize " + testing::ModelPath("stories260K.gguf") + " 'Once upon a time'"),
            "1 403 407 261 378\n");
  EXPECT_EQ(Rfc("tokenize --decode " + testing::ModelPath("stories260K.gguf") + " 403 407 261"),
            "Once upon a\n");
}

TEST(RfcTokenizeTest, ErrorsAreClear) {
  int code = 0;
  std::string out = Rfc("tokenize /nonexistent.gguf hi", &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("/nonexistent.gguf"), std::string::npos) << out;
  out = Rfc("tokenize --decode " + testing::ModelPath("stories260K.gguf") + " 1 9999", &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("9999"), std::string::npos) << out;
  out = Rfc("tokenize --decode " + testing::ModelPath("stories260K.gguf") + " 1 x", &code);
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("'x' is not a token id"), std::string::npos) << out;
  Rfc("tokenize", &code);
  EXPECT_EQ(code, 2);
}

TEST(RfcTokenizeTest, SameAsLlamaLogits) {
  RF_ORACLE_OR_SKIP(oracle);
  const std::string texts[] = {"Hello world", "<|im_start|>user\nhi<|im_end|>",
                               "  tabs\tand\n\nlines ", "<s>[INST] 3333 </s>",
                               "naïve café 🦙 <|endoftext|>"};
  for (const char* name : {"llama-spm", "llama-bpe", "qwen2", "phi-3", "gpt-2"}) {
    const std::string vocab = oracle + "/src/models/ggml-vocab-" + name + ".gguf";
    for (const std::string& t : texts) {
      const std::string want = testing::RunCommand(testing::OracleLlamaLogits() + " --tokenize " +
                                                   Quote(vocab) + " " + Quote(t) + " 2>/dev/null");
      EXPECT_EQ(Rfc("tokenize " + Quote(vocab) + " -- " + Quote(t)), want) << name << ": " << t;
    }
  }
}

}  // namespace
}  // namespace rf
