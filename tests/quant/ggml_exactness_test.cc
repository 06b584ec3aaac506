// Our dequantization against ggml's, bit for bit (oracle test). A small F32 llama model whose rows
// are multiples of 256 is quantized by llama.cpp's own quantizer into every type it offers; every
// tensor of every file, decoded by quant/, must equal what ggml's to_float gives
// (`llama-logits --dequant`, which prints %.9g: enough digits to give back the exact float).
//
// The same files also measure our quantizers against llama.cpp's: for each tensor, quantizing the
// F32 original ourselves into the type llama.cpp chose must not be much less accurate.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/synth.h"
#include "gtest/gtest.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "tests/test_util.h"

namespace rf::quant {
namespace {

struct GgmlTensor {
  std::string type;
  std::vector<float> values;
};

// ggml's decoding of tensor `name` of `model`.
GgmlTensor GgmlDequant(const std::string& model, absl::string_view name) {
  const std::string out = testing::RunCommand(testing::OracleLlamaLogits() + " --dequant '" +
                                              model + "' '" + std::string(name) + "' 2>/dev/null");
  GgmlTensor t;
  const char* p = out.c_str();
  const char* nl = std::strchr(p, '\n');
  if (nl == nullptr) return t;
  t.type.assign(p, nl);
  p = nl + 1;
  while (*p != '\0') {
    char* end;
    t.values.push_back(std::strtof(p, &end));
    if (end == p) break;
    p = end;
    while (*p == '\n') ++p;
  }
  return t;
}

// The F32 model every type is quantized from: llama-shaped (2 layers, n_embd 256, n_ff 512, so
// every row is a multiple of 256), with llama-spm's tokenizer cut to 512 tokens to keep it small.
std::string MakeF32Model(const std::string& oracle, const std::string& dir) {
  auto shape = gguf::PresetShape("llama", "tiny");
  EXPECT_TRUE(shape.ok());
  gguf::SynthOptions o;
  o.shape = *shape;
  o.shape.n_layer = 2;
  o.shape.n_ff = 512;
  o.shape.n_vocab = 512;
  o.type = *gguf::FindSynthType("f32");
  o.vocab_path = oracle + "/src/models/ggml-vocab-llama-spm.gguf";
  o.seed = 11;
  const std::string path = dir + "/model-f32.gguf";
  auto report = gguf::Synthesize(o, path);
  EXPECT_TRUE(report.ok()) << report.status();
  return path;
}

double SquaredError(const float* a, const float* b, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += (static_cast<double>(a[i]) - b[i]) * (a[i] - b[i]);
  return sum;
}

struct Case {
  const char* ftype;                 // llama-logits --quantize's type
  std::vector<GgmlType> must_occur;  // tensor types the file must contain
  // How much larger our quantizers' RMS error may be than llama.cpp's on the same tensors.
  double max_error_ratio;
};

class GgmlExactnessTest : public ::testing::TestWithParam<Case> {};

TEST_P(GgmlExactnessTest, EveryTensorDequantizesBitForBit) {
  RF_ORACLE_OR_SKIP(oracle);
  const Case& c = GetParam();
  const std::string dir = testing::TempDir();
  const std::string f32_path = MakeF32Model(oracle, dir);
  const std::string path = dir + "/model-" + c.ftype + ".gguf";
  testing::RunCommand(testing::OracleLlamaLogits() + " --quantize '" + f32_path + "' '" + path +
                      "' " + c.ftype + " >/dev/null 2>&1");
  auto f32 = gguf::GgufFile::Open(f32_path);
  auto file = gguf::GgufFile::Open(path);
  ASSERT_TRUE(f32.ok() && file.ok()) << file.status();

  std::set<GgmlType> seen;
  std::map<GgmlType, std::pair<double, double>> sq_error;  // type -> (ggml's, ours)
  std::map<GgmlType, uint64_t> count;
  for (const gguf::TensorInfo& t : (*file)->tensors()) {
    seen.insert(t.type);
    auto ours = DequantizeToF32(t.type, t.bytes(), static_cast<int64_t>(t.n_elements));
    ASSERT_TRUE(ours.ok()) << t.name << ": " << ours.status();
    const GgmlTensor ggml = GgmlDequant(path, t.name);
    EXPECT_EQ(ggml.type, TypeName(t.type)) << t.name;
    ASSERT_EQ(ggml.values.size(), ours->size()) << t.name;
    int64_t mismatches = 0;
    for (size_t i = 0; i < ours->size(); ++i) {
      if (std::memcmp(&(*ours)[i], &ggml.values[i], sizeof(float)) != 0 && mismatches++ < 3) {
        ADD_FAILURE() << c.ftype << " " << t.name << " (" << TypeName(t.type) << ") element " << i
                      << ": ours " << (*ours)[i] << ", ggml " << ggml.values[i];
      }
    }
    EXPECT_EQ(mismatches, 0) << t.name;

    // Our quantizer on the same original values, into the type llama.cpp chose.
    if (!IsQuantized(t.type)) continue;
    const gguf::TensorInfo* orig = (*f32)->FindTensor(t.name);
    ASSERT_NE(orig, nullptr);
    std::vector<float> x(t.n_elements);
    std::memcpy(x.data(), orig->data, orig->n_bytes);
    std::vector<uint8_t> q(t.n_bytes);
    ASSERT_TRUE(Quantize(t.type, x, q).ok());
    auto mine = DequantizeToF32(t.type, q, static_cast<int64_t>(x.size()));
    ASSERT_TRUE(mine.ok());
    sq_error[t.type].first += SquaredError(x.data(), ggml.values.data(), x.size());
    sq_error[t.type].second += SquaredError(x.data(), mine->data(), x.size());
    count[t.type] += x.size();
  }
  for (GgmlType type : c.must_occur) EXPECT_TRUE(seen.count(type)) << TypeName(type);
  for (const auto& [type, e] : sq_error) {
    const double ggml_rms = std::sqrt(e.first / count[type]);
    const double our_rms = std::sqrt(e.second / count[type]);
    std::printf("%-6s %-5s rms error: llama.cpp %.6f, ours %.6f (x%.3f)\n", c.ftype, TypeName(type),
                ggml_rms, our_rms, our_rms / ggml_rms);
    EXPECT_LE(our_rms, c.max_error_ratio * ggml_rms) << TypeName(type);
  }
}

// Error ratios measured when this test was written: legacy types 1.000-1.001, q6_K 1.06 (it is the
// output tensor's type in most files), q3_K 1.03, q4_K 1.11, q5_K 1.06, q2_K 1.19: llama.cpp's
// k-quant search may clip outliers, ours keeps every value on its grid (quantize.h).
INSTANTIATE_TEST_SUITE_P(
    Types, GgmlExactnessTest,
    ::testing::Values(Case{"F16", {GgmlType::kF16}, 1.0}, Case{"BF16", {GgmlType::kBF16}, 1.0},
                      Case{"Q8_0", {GgmlType::kQ8_0}, 1.02}, Case{"Q4_0", {GgmlType::kQ4_0}, 1.1},
                      Case{"Q4_1", {GgmlType::kQ4_1}, 1.1}, Case{"Q5_0", {GgmlType::kQ5_0}, 1.1},
                      Case{"Q5_1", {GgmlType::kQ5_1}, 1.1}, Case{"Q2_K", {GgmlType::kQ2_K}, 1.3},
                      Case{"Q3_K_M", {GgmlType::kQ3_K}, 1.2},
                      Case{"Q4_K_M", {GgmlType::kQ4_K, GgmlType::kQ6_K}, 1.2},
                      Case{"Q5_K_M", {GgmlType::kQ5_K, GgmlType::kQ6_K}, 1.2},
                      Case{"Q6_K", {GgmlType::kQ6_K}, 1.2}),
    [](const ::testing::TestParamInfo<Case>& p) { return std::string(p.param.ftype); });

}  // namespace
}  // namespace rf::quant
