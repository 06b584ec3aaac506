// llama.cpp's own tokenizer test vectors (its models/ggml-vocab-*.gguf with .inp/.out), run the
// way its test-tokenizer-0 runs them: no BOS/EOS added, special tokens not parsed. Every case of
// every vocabulary must give exactly the listed ids.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "gtest/gtest.h"
#include "runtime/tokenizer/tokenizer.h"
#include "tests/test_util.h"

namespace rf::tokenizer {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Case {
  std::string text;
  std::vector<int32_t> ids;
};

// .inp: cases separated by "\n__ggml_vocab_test__\n"; .out: one line of ids per case.
std::vector<Case> ReadCases(const std::string& base) {
  const std::string inp = ReadAll(base + ".inp");
  const std::string out = ReadAll(base + ".out");
  std::vector<std::string> texts;
  const std::string sep = "\n__ggml_vocab_test__\n";
  for (size_t pos = 0; pos < inp.size();) {
    const size_t next = inp.find(sep, pos);
    if (next == std::string::npos) {
      texts.push_back(inp.substr(pos));
      break;
    }
    texts.push_back(inp.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::string> lines = absl::StrSplit(out, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::vector<Case> cases;
  if (lines.size() != texts.size()) {
    ADD_FAILURE() << base << ": " << texts.size() << " inputs but " << lines.size() << " outputs";
    return cases;
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    Case c{texts[i], {}};
    for (absl::string_view id : absl::StrSplit(lines[i], ' ', absl::SkipWhitespace())) {
      c.ids.push_back(std::stoi(std::string(id)));
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string Ids(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

class VocabFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabFileTest, EveryCaseMatchesLlamaCpp) {
  RF_ORACLE_OR_SKIP(oracle);
  const std::string base = oracle + "/src/models/ggml-vocab-" + GetParam() + ".gguf";
  auto file = gguf::GgufFile::Open(base);
  ASSERT_TRUE(file.ok()) << file.status();
  auto vocab = gguf::ReadVocab(**file);
  ASSERT_TRUE(vocab.ok()) << vocab.status();
  auto tok = Tokenizer::Create(*std::move(vocab));
  ASSERT_TRUE(tok.ok()) << tok.status();
  const std::vector<Case> cases = ReadCases(base);
  ASSERT_FALSE(cases.empty());
  int failures = 0;
  for (const Case& c : cases) {
    const std::vector<int32_t> ids = (*tok)->Encode(c.text, /*add_special=*/false,
                                                    /*parse_special=*/false);
    if (ids != c.ids && ++failures <= 10) {
      ADD_FAILURE() << GetParam() << ": '" << c.text << "'\n  expected " << Ids(c.ids)
                    << "\n  got      " << Ids(ids);
    }
  }
  EXPECT_EQ(failures, 0) << "of " << cases.size() << " cases";
  RecordProperty("cases", static_cast<int>(cases.size()));
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVectors, VocabFileTest,
                         ::testing::Values("llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3",
                                           "qwen35", "mpt", "starcoder", "refact", "command-r",
                                           "falcon", "deepseek-llm", "deepseek-coder"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace rf::tokenizer
