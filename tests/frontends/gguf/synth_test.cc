// rfc synth's library: presets, the per-tensor type recipe, the tokenizer copy, and the files it
// writes (read back with our reader). llama.cpp's view of them is synth_oracle_test.cc's job.
#include "frontends/gguf/synth.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/gguf_writer.h"
#include "frontends/gguf/hparams.h"
#include "frontends/gguf/quant_recipe.h"
#include "frontends/gguf/synth_vocab.h"
#include "gtest/gtest.h"
#include "quant/dequantize.h"
#include "support/atomic_file.h"
#include "tests/test_util.h"

namespace rf::gguf {
namespace {

using quant::GgmlType;

// A small vocab GGUF: 300 tokens "t0".."t299", scores, types, merges "t1 t2" -> "t1t2" style, and
// special ids; enough to exercise padding and truncation.
std::string WriteVocab(const std::string& dir) {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  w.SetString("tokenizer.ggml.model", "gpt2");
  std::vector<std::string> tokens;
  std::vector<double> scores;
  std::vector<int64_t> types;
  for (int i = 0; i < 300; ++i) {
    tokens.push_back(i == 250 ? "ab" : i == 260 ? "a" : absl::StrCat("t", i));
    scores.push_back(-i);
    types.push_back(1);
  }
  w.SetStringArray("tokenizer.ggml.tokens", tokens);
  w.SetFloatArray("tokenizer.ggml.scores", ValueType::kF32, scores);
  w.SetIntArray("tokenizer.ggml.token_type", ValueType::kI32, types);
  // "t1 t2" needs token "t1t2" (absent): dropped on truncation; "a b" needs a, b and ab.
  const std::vector<std::string> merges = {"t1 t2", "t5 t0"};
  w.SetStringArray("tokenizer.ggml.merges", merges);
  w.SetU32("tokenizer.ggml.bos_token_id", 1);
  w.SetU32("tokenizer.ggml.eos_token_id", 250);
  const std::string path = dir + "/vocab.gguf";
  EXPECT_TRUE(w.WriteFile(path).ok());
  return path;
}

SynthOptions TinyOptions(const std::string& arch, const std::string& type,
                         const std::string& vocab) {
  SynthOptions o;
  o.shape = *PresetShape(arch, "tiny");
  o.type = *FindSynthType(type);
  o.vocab_path = vocab;
  o.seed = 5;
  return o;
}

uint64_t PlannedBytes(const SynthShape& s, const SynthType& t) {
  uint64_t bytes = 0;
  for (const SynthTensor& x : PlanModel(s, t, s.n_vocab)) {
    int64_t n = 1;
    for (int64_t d : x.dims) n *= d;
    bytes += *quant::RowBytes(x.type, n);
  }
  return bytes;
}

TEST(SynthPresetTest, RealShapes) {
  auto qwen = PresetShape("", "qwen2.5-0.5b");
  ASSERT_TRUE(qwen.ok());
  EXPECT_EQ(qwen->arch, "qwen2");
  EXPECT_EQ(qwen->n_layer, 24u);
  EXPECT_EQ(qwen->n_embd, 896u);
  EXPECT_EQ(qwen->n_head, 14u);
  EXPECT_EQ(qwen->n_head_kv, 2u);
  EXPECT_EQ(qwen->n_ff, 4864u);
  EXPECT_EQ(qwen->n_vocab, 151936u);
  EXPECT_TRUE(qwen->tied_embeddings && qwen->attn_bias);
  EXPECT_EQ(qwen->rope_theta, 1e6f);
  EXPECT_EQ(qwen->rms_eps, 1e-6f);

  auto llama3 = PresetShape("llama", "llama-3.2-1b");
  ASSERT_TRUE(llama3.ok());
  EXPECT_EQ(llama3->head_dim(), 64u);
  EXPECT_EQ(llama3->n_vocab, 128256u);
  EXPECT_TRUE(llama3->tied_embeddings && llama3->llama3_rope.has_value());

  auto llama2 = PresetShape("llama", "llama-2-7b");
  ASSERT_TRUE(llama2.ok());
  EXPECT_EQ(llama2->n_head_kv, 32u);
  EXPECT_FALSE(llama2->tied_embeddings);

  EXPECT_FALSE(PresetShape("qwen2", "llama-2-7b").ok());  // arch mismatch
  EXPECT_FALSE(PresetShape("", "tiny").ok());             // tiny needs an arch
  EXPECT_FALSE(PresetShape("llama", "gpt-5").ok());
  EXPECT_FALSE(PresetShape("mamba", "tiny").ok());
  EXPECT_FALSE(FindSynthType("q3_k").ok());
}

// The recipe reproduces the sizes of the models llama.cpp's quantizer made for the speed table of
// ../shared/TOOLCHAIN.md (units of 10^6 bytes). Those figures are whole files: tensor bytes plus
// the tokenizer metadata, about the size of the vocab file it came from (ggml-vocab-qwen2 5.93 MB,
// -llama-bpe 7.82 MB, -llama-spm 0.72 MB); with that added, all eight agree to within 0.5.
TEST(SynthRecipeTest, ModelSizesMatchLlamaCpp) {
  struct Case {
    const char* preset;
    const char* type;
    double mbytes;
    double metadata_mbytes;
  };
  for (const Case& c :
       {Case{"qwen2.5-0.5b", "q8_0", 531, 5.93}, Case{"qwen2.5-0.5b", "q4_k_m", 398, 5.93},
        Case{"qwen2.5-0.5b", "q4_0", 352, 5.93}, Case{"qwen2.5-0.5b", "f16", 994, 5.93},
        Case{"llama-3.2-1b", "q4_k_m", 808, 7.82}, Case{"llama-3.2-1b", "q8_0", 1321, 7.82},
        Case{"llama-2-7b", "q4_0", 3826, 0.72}, Case{"llama-2-7b", "q4_k_m", 4081, 0.72}}) {
    const double got = PlannedBytes(*PresetShape("", c.preset), *FindSynthType(c.type)) / 1e6;
    EXPECT_NEAR(got + c.metadata_mbytes, c.mbytes, 0.5) << c.preset << " " << c.type;
  }
}

TEST(SynthRecipeTest, TensorTypes) {
  const SynthType q4km = *FindSynthType("q4_k_m");
  // Qwen2.5-0.5B: 896-long rows do not split into 256-blocks: Q4_K falls back to Q5_0, Q6_K to
  // Q8_0; the tied embedding is the output projection (Q6_K -> Q8_0).
  EXPECT_EQ(TensorTypeFor(q4km, "token_embd.weight", {896, 151936}, -1, 24, true), GgmlType::kQ8_0);
  EXPECT_EQ(TensorTypeFor(q4km, "blk.0.attn_q.weight", {896, 896}, 0, 24, true), GgmlType::kQ5_0);
  EXPECT_EQ(TensorTypeFor(q4km, "blk.0.attn_v.weight", {896, 128}, 0, 24, true), GgmlType::kQ8_0);
  EXPECT_EQ(TensorTypeFor(q4km, "blk.4.attn_v.weight", {896, 128}, 4, 24, true), GgmlType::kQ5_0);
  EXPECT_EQ(TensorTypeFor(q4km, "blk.0.ffn_down.weight", {4864, 896}, 0, 24, true),
            GgmlType::kQ6_K);  // 4864 = 19 * 256; layer 0 < 24 / 8
  EXPECT_EQ(TensorTypeFor(q4km, "blk.4.ffn_down.weight", {4864, 896}, 4, 24, true),
            GgmlType::kQ4_K);
  EXPECT_EQ(TensorTypeFor(q4km, "blk.5.ffn_down.weight", {4864, 896}, 5, 24, true),
            GgmlType::kQ6_K);  // (5 - 3) % 3 == 2
  EXPECT_EQ(TensorTypeFor(q4km, "blk.0.attn_q.bias", {896}, 0, 24, true), GgmlType::kF32);
  EXPECT_EQ(TensorTypeFor(q4km, "blk.0.ffn_norm.weight", {896}, 0, 24, true), GgmlType::kF32);
  // Llama 2: untied; the output gets Q6_K even in a Q4_0 file, the embedding keeps the base type.
  const SynthType q40 = *FindSynthType("q4_0");
  EXPECT_EQ(TensorTypeFor(q40, "output.weight", {4096, 32000}, -1, 32, false), GgmlType::kQ6_K);
  EXPECT_EQ(TensorTypeFor(q40, "token_embd.weight", {4096, 32000}, -1, 32, false), GgmlType::kQ4_0);
  // Pure Q4_K: no mixing, but the fallback still applies.
  const SynthType q4k = *FindSynthType("q4_k");
  EXPECT_EQ(TensorTypeFor(q4k, "output.weight", {4096, 32000}, -1, 32, false), GgmlType::kQ4_K);
  EXPECT_EQ(TensorTypeFor(q4k, "blk.0.attn_q.weight", {896, 896}, 0, 24, true), GgmlType::kQ5_0);
  EXPECT_EQ(TensorTypeFor(*FindSynthType("f16"), "blk.0.attn_q.weight", {896, 896}, 0, 24, true),
            GgmlType::kF16);
  EXPECT_EQ(TensorTypeFor(*FindSynthType("f16"), "rope_freqs.weight", {32}, -1, 16, true),
            GgmlType::kF32);
}

TEST(SynthTest, WritesWhatTheReaderUnderstands) {
  const std::string dir = testing::TempDir();
  const std::string vocab = WriteVocab(dir);
  SynthOptions o = TinyOptions("qwen2", "q4_k_m", vocab);
  auto report = Synthesize(o, dir + "/q.gguf");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->n_vocab, 300u);
  EXPECT_TRUE(report->vocab_note.empty());
  auto file = GgufFile::Open(dir + "/q.gguf");
  ASSERT_TRUE(file.ok()) << file.status();
  auto hp = ReadHParams(**file);
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->arch, "qwen2");
  EXPECT_EQ(hp->n_layer, 3u);
  EXPECT_EQ(hp->n_embd, 256u);
  EXPECT_EQ(hp->n_head, 4u);
  EXPECT_EQ(hp->n_head_kv, 2u);
  EXPECT_EQ(hp->n_ff, 768u);
  EXPECT_EQ(hp->n_vocab, 300u);
  EXPECT_EQ(hp->rope_style, RopeStyle::kNeox);
  EXPECT_TRUE(hp->tied_embeddings);
  EXPECT_TRUE(hp->attn_bias);
  EXPECT_EQ(*(*file)->GetU32("general.file_type"), 15u);
  EXPECT_EQ(*(*file)->GetU32("general.quantization_version"), 2u);
  EXPECT_EQ(*(*file)->GetU32("tokenizer.ggml.eos_token_id"), 250u);
  EXPECT_EQ((*file)->FindTensor("output.weight"), nullptr);
  const TensorInfo* bias = (*file)->FindTensor("blk.1.attn_k.bias");
  ASSERT_NE(bias, nullptr);
  EXPECT_EQ(bias->dims, (std::vector<int64_t>{128}));
  EXPECT_EQ(bias->type, GgmlType::kF32);
  EXPECT_EQ((*file)->tensors().size(), 1 + 3 * 12 + 1u);

  // Every tensor as planned, values finite and scaled as synth.h says.
  const std::vector<SynthTensor> plan = PlanModel(o.shape, o.type, 300);
  ASSERT_EQ(plan.size(), (*file)->tensors().size());
  for (const SynthTensor& p : plan) {
    const TensorInfo* t = (*file)->FindTensor(p.name);
    ASSERT_NE(t, nullptr) << p.name;
    EXPECT_EQ(t->dims, p.dims) << p.name;
    EXPECT_EQ(t->type, p.type) << p.name;
    auto values = quant::DequantizeToF32(t->type, t->bytes(), static_cast<int64_t>(t->n_elements));
    ASSERT_TRUE(values.ok());
    double sum = 0, sq = 0;
    for (float v : *values) {
      ASSERT_TRUE(std::isfinite(v)) << p.name;
      sum += v;
      sq += v * v;
    }
    const double mean = sum / values->size();
    const double std = std::sqrt(sq / values->size() - mean * mean);
    EXPECT_NEAR(mean, p.mean, 0.05) << p.name;
    EXPECT_NEAR(std, p.std, 0.25 * p.std + 0.01) << p.name;
  }
}

TEST(SynthTest, DeterministicForASeedOnAnyThreadCount) {
  const std::string dir = testing::TempDir();
  const std::string vocab = WriteVocab(dir);
  SynthOptions o = TinyOptions("llama", "q6_k", vocab);
  o.threads = 1;
  ASSERT_TRUE(Synthesize(o, dir + "/a.gguf").ok());
  o.threads = 3;
  ASSERT_TRUE(Synthesize(o, dir + "/b.gguf").ok());
  o.seed = 6;
  ASSERT_TRUE(Synthesize(o, dir + "/c.gguf").ok());
  auto a = ReadFileToString(dir + "/a.gguf");
  auto b = ReadFileToString(dir + "/b.gguf");
  auto c = ReadFileToString(dir + "/c.gguf");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_EQ(a->size(), c->size());
  EXPECT_FALSE(*a == *c);
}

// --zeros: the same file layout as a random model of the preset, every weight zero, stored as
// holes; the full Llama-2-7B q4_0 file (3.8 GB) takes almost no disk.
TEST(SynthTest, ZeroWeightsAreASparseFileOfTheRealSize) {
  const std::string dir = testing::TempDir();
  const std::string vocab = WriteVocab(dir);
  SynthOptions o = TinyOptions("llama", "q4_0", vocab);
  o.zero_weights = true;
  ASSERT_TRUE(Synthesize(o, dir + "/zero.gguf").ok());
  o.zero_weights = false;
  ASSERT_TRUE(Synthesize(o, dir + "/random.gguf").ok());
  auto zero = GgufFile::Open(dir + "/zero.gguf");
  auto random = GgufFile::Open(dir + "/random.gguf");
  ASSERT_TRUE(zero.ok() && random.ok());
  ASSERT_EQ((*zero)->tensors().size(), (*random)->tensors().size());
  for (size_t i = 0; i < (*zero)->tensors().size(); ++i) {
    const TensorInfo& z = (*zero)->tensors()[i];
    const TensorInfo& r = (*random)->tensors()[i];
    EXPECT_EQ(z.name, r.name);
    EXPECT_EQ(z.offset, r.offset) << z.name;
    const auto bytes = z.bytes();
    EXPECT_EQ(std::count(bytes.begin(), bytes.end(), 0), static_cast<long>(bytes.size())) << z.name;
  }

  o.shape = *PresetShape("", "llama-2-7b");
  o.shape.n_vocab = 300;
  o.zero_weights = true;
  auto report = Synthesize(o, dir + "/7b.gguf");
  ASSERT_TRUE(report.ok()) << report.status();
  struct stat st;
  ASSERT_EQ(::stat((dir + "/7b.gguf").c_str(), &st), 0);
  EXPECT_GT(report->file_bytes, uint64_t{3} << 30);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, uint64_t{64} << 20);
  auto big = GgufFile::Open(dir + "/7b.gguf");
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ((*big)->tensors().size(), 291u);
}

TEST(SynthTest, Llama3RopeFreqs) {
  const std::string dir = testing::TempDir();
  SynthOptions o = TinyOptions("llama", "f32", WriteVocab(dir));
  o.shape.llama3_rope = Llama3RopeScaling{32.0f, 1.0f, 4.0f, 8192};
  o.shape.rope_theta = 500000.0f;
  ASSERT_TRUE(Synthesize(o, dir + "/r.gguf").ok());
  auto file = GgufFile::Open(dir + "/r.gguf");
  ASSERT_TRUE(file.ok());
  const TensorInfo* t = (*file)->FindTensor("rope_freqs.weight");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->dims, (std::vector<int64_t>{32}));
  std::vector<float> f(32);
  std::memcpy(f.data(), t->data, 128);
  // High frequencies (wavelength < 8192 / 4) keep factor 1, low ones (> 8192) get 32, and the
  // factors grow monotonically between.
  EXPECT_EQ(f[0], 1.0f);
  EXPECT_EQ(f[31], 32.0f);
  for (int i = 1; i < 32; ++i) EXPECT_GE(f[i], f[i - 1]);
  auto hp = ReadHParams(**file);
  ASSERT_TRUE(hp.ok());
  EXPECT_TRUE(hp->has_rope_freqs);
}

TEST(SynthVocabTest, PadsAndTruncates) {
  const std::string dir = testing::TempDir();
  auto vocab = GgufFile::Open(WriteVocab(dir));
  ASSERT_TRUE(vocab.ok());

  GgufWriter padded;
  auto note = CopyTokenizer(**vocab, 320, padded);
  ASSERT_TRUE(note.ok());
  EXPECT_NE(note->find("padded"), std::string::npos);
  ASSERT_TRUE(padded.WriteFile(dir + "/padded.gguf").ok());
  auto p = GgufFile::Open(dir + "/padded.gguf");
  ASSERT_TRUE(p.ok());
  const Value* tokens = *(*p)->GetArray("tokenizer.ggml.tokens", ValueType::kString);
  ASSERT_EQ(tokens->count, 320u);
  EXPECT_EQ(tokens->strings[299], "t299");
  EXPECT_EQ(tokens->strings[319], "[PAD319]");
  const Value* types = *(*p)->GetArray("tokenizer.ggml.token_type", ValueType::kI32);
  EXPECT_EQ(types->ArrayAsInt(319), 5);
  const Value* scores = *(*p)->GetArray("tokenizer.ggml.scores", ValueType::kF32);
  EXPECT_EQ(scores->ArrayAsDouble(310), -1000.0);
  EXPECT_EQ(scores->ArrayAsDouble(3), -3.0);

  GgufWriter cut;
  note = CopyTokenizer(**vocab, 200, cut);
  ASSERT_TRUE(note.ok());
  EXPECT_NE(note->find("truncated"), std::string::npos);
  ASSERT_TRUE(cut.WriteFile(dir + "/cut.gguf").ok());
  auto c = GgufFile::Open(dir + "/cut.gguf");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*(*c)->GetArray("tokenizer.ggml.tokens", ValueType::kString))->count, 200u);
  EXPECT_EQ((*(*c)->GetArray("tokenizer.ggml.scores", ValueType::kF32))->count, 200u);
  EXPECT_EQ((*(*c)->GetArray("tokenizer.ggml.merges", ValueType::kString))->count, 0u);
  EXPECT_EQ(*(*c)->GetU32("tokenizer.ggml.bos_token_id"), 1u);
  EXPECT_EQ((*c)->Find("tokenizer.ggml.eos_token_id"), nullptr);  // 250 is gone
}

TEST(SynthTest, BadInputs) {
  const std::string dir = testing::TempDir();
  SynthOptions o = TinyOptions("llama", "f16", dir + "/missing.gguf");
  EXPECT_FALSE(Synthesize(o, dir + "/x.gguf").ok());  // no vocab file
  o.vocab_path = WriteVocab(dir);
  o.shape.n_head = 3;  // 256 does not split into 3 heads
  auto r = Synthesize(o, dir + "/x.gguf");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(ReadFileToString(dir + "/x.gguf").ok());  // nothing written
}

}  // namespace
}  // namespace rf::gguf
