// rfc synth against llama.cpp (oracle tests): llama.cpp's quantizer gives every tensor the type our
// recipe gives it, and llama.cpp loads the synthesized models and generates from them with finite
// logits that are far from flat.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/synth.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace rf::gguf {
namespace {

std::string Vocab(const std::string& oracle, const std::string& which) {
  return oracle + "/src/models/ggml-vocab-" + which + ".gguf";
}

// llama.cpp's quantizer, run on our F32 file, chooses the same type for every tensor as our recipe
// does for the same --type: for tiny llama (untied, rows of 256 and 768), tiny qwen2 (tied, with
// biases), and a tied llama whose rows (384) are not a multiple of 256, so that fallbacks apply.
TEST(SynthOracleTest, RecipeMatchesLlamaQuantize) {
  RF_ORACLE_OR_SKIP(oracle);
  const std::string dir = testing::TempDir();
  struct Shape {
    const char* label;
    SynthShape shape;
  };
  SynthShape odd = *PresetShape("llama", "tiny");
  odd.n_embd = 384;
  odd.n_head = 6;
  odd.n_head_kv = 2;
  odd.n_ff = 1024;
  odd.n_layer = 9;  // Q4_K_M gives layers 0, 3, 6, 7, 8 more bits: a real mix
  odd.tied_embeddings = true;
  std::vector<Shape> shapes = {{"llama", *PresetShape("llama", "tiny")},
                               {"qwen2", *PresetShape("qwen2", "tiny")},
                               {"odd", odd}};
  const std::pair<const char*, const char*> types[] = {
      {"f16", "F16"}, {"q8_0", "Q8_0"}, {"q4_0", "Q4_0"}, {"q6_k", "Q6_K"}, {"q4_k_m", "Q4_K_M"}};
  for (Shape& s : shapes) {
    s.shape.n_vocab = 512;  // the quantizer does not read the tokenizer: keep the files small
    SynthOptions o;
    o.shape = s.shape;
    o.type = *FindSynthType("f32");
    o.vocab_path = Vocab(oracle, s.shape.arch == "qwen2" ? "qwen2" : "llama-spm");
    const std::string f32 = dir + "/" + s.label + "-f32.gguf";
    auto report = Synthesize(o, f32);
    ASSERT_TRUE(report.ok()) << report.status();
    for (const auto& [ours, theirs] : types) {
      const std::string path = dir + "/" + s.label + "-" + ours + ".gguf";
      testing::RunCommand(testing::OracleLlamaLogits() + " --quantize '" + f32 + "' '" + path +
                          "' " + theirs + " >/dev/null 2>&1");
      auto file = GgufFile::Open(path);
      ASSERT_TRUE(file.ok()) << file.status();
      const SynthType type = *FindSynthType(ours);
      const std::vector<SynthTensor> plan = PlanModel(s.shape, type, 512);
      ASSERT_EQ((*file)->tensors().size(), plan.size());
      for (const SynthTensor& t : plan) {
        const TensorInfo* q = (*file)->FindTensor(t.name);
        ASSERT_NE(q, nullptr) << t.name;
        EXPECT_EQ(quant::TypeName(q->type), std::string(quant::TypeName(t.type)))
            << s.label << " " << ours << " " << t.name;
      }
      EXPECT_EQ(*(*file)->GetU32("general.file_type"), static_cast<uint32_t>(type.file_type));
    }
  }
}

// Reads `n` rows of `n_vocab` f32 logits.
std::vector<float> ReadLogits(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> logits(bytes.size() / sizeof(float));
  std::memcpy(logits.data(), bytes.data(), logits.size() * sizeof(float));
  return logits;
}

struct GenerateCase {
  const char* arch;
  const char* type;
  const char* vocab;
};

class SynthGenerateTest : public ::testing::TestWithParam<GenerateCase> {};

// llama.cpp loads the model and generates 4 tokens greedily; every logit row is finite and spread
// out (standard deviation over the vocabulary above 0.3, top logit well above the mean).
TEST_P(SynthGenerateTest, LlamaCppRunsIt) {
  RF_ORACLE_OR_SKIP(oracle);
  const GenerateCase& c = GetParam();
  const std::string dir = testing::TempDir();
  SynthOptions o;
  o.shape = *PresetShape(c.arch, "tiny");
  o.type = *FindSynthType(c.type);
  o.vocab_path = Vocab(oracle, c.vocab);
  o.seed = 3;
  const std::string model = dir + "/model.gguf";
  auto report = Synthesize(o, model);
  ASSERT_TRUE(report.ok()) << report.status();
  const std::string logits_path = dir + "/logits.f32";
  const std::string out =
      testing::RunCommand(testing::OracleLlamaLogits() + " '" + model +
                          "' 'Once upon a time' 4 2 '" + logits_path + "' 2>/dev/null");
  EXPECT_NE(out.find("step 3 ->"), std::string::npos) << out;
  const std::vector<float> logits = ReadLogits(logits_path);
  const size_t n_vocab = report->n_vocab;
  ASSERT_EQ(logits.size(), 4 * n_vocab);
  for (size_t step = 0; step < 4; ++step) {
    double sum = 0, sq = 0, max = -1e30;
    for (size_t i = 0; i < n_vocab; ++i) {
      const float v = logits[step * n_vocab + i];
      ASSERT_TRUE(std::isfinite(v)) << "step " << step << " token " << i;
      sum += v;
      sq += static_cast<double>(v) * v;
      max = std::max(max, static_cast<double>(v));
    }
    const double mean = sum / n_vocab, std = std::sqrt(sq / n_vocab - mean * mean);
    EXPECT_GT(std, 0.3) << "step " << step;
    EXPECT_GT(max - mean, 3 * std) << "step " << step;
  }
}

INSTANTIATE_TEST_SUITE_P(Tiny, SynthGenerateTest,
                         ::testing::Values(GenerateCase{"llama", "f32", "llama-spm"},
                                           GenerateCase{"llama", "f16", "llama-spm"},
                                           GenerateCase{"llama", "q8_0", "llama-bpe"},
                                           GenerateCase{"llama", "q4_0", "llama-spm"},
                                           GenerateCase{"llama", "q4_k", "llama-spm"},
                                           GenerateCase{"llama", "q6_k", "llama-spm"},
                                           GenerateCase{"llama", "q4_k_m", "llama-spm"},
                                           GenerateCase{"qwen2", "q8_0", "qwen2"},
                                           GenerateCase{"qwen2", "q4_0", "qwen2"},
                                           GenerateCase{"qwen2", "q4_k_m", "qwen2"}),
                         [](const ::testing::TestParamInfo<GenerateCase>& p) {
                           return std::string(p.param.arch) + "_" + p.param.type;
                         });

}  // namespace
}  // namespace rf::gguf
