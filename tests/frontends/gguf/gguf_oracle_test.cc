// The reader and writer against llama.cpp (the oracle, tests/oracle/setup.sh): llama.cpp loads and
// runs files our writer produced, and our reader (and rfc inspect) opens every GGUF file llama.cpp
// ships as a tokenizer test vector.
#include <dirent.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/gguf_writer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/frontends/gguf/sample_gguf.h"
#include "tests/test_util.h"

namespace rf::gguf {
namespace {

using ::testing::HasSubstr;

// llama-logits MODEL PROMPT 16 1: the prompt's ids, each greedy step's id and top-5 logits, the
// text. Its log goes to stderr, which is dropped.
std::string Generate(const std::string& model) {
  int code = -1;
  std::string out =
      rf::testing::RunCommand(absl::StrCat(rf::testing::OracleLlamaLogits(), " '", model,
                                           "' 'Once upon a time' 16 1 2>/dev/null"),
                              &code);
  EXPECT_EQ(code, 0) << model;
  return out;
}

// Copies the bundled model through our writer, with an extra key of each kind and optionally
// general.alignment = 64: llama.cpp must run it exactly as it runs the original.
TEST(GgufOracleTest, LlamaCppRunsOurCopyOfTheBundledModel) {
  RF_ORACLE_OR_SKIP(oracle);
  const std::string original = rf::testing::ModelPath("stories260K.gguf");
  const std::string expected = Generate(original);
  ASSERT_THAT(expected, HasSubstr("step 15 -> "));
  auto src = GgufFile::Open(original);
  ASSERT_TRUE(src.ok()) << src.status();
  for (uint32_t alignment : {0u, 64u}) {
    SCOPED_TRACE(absl::StrCat("alignment ", alignment));
    GgufWriter w;
    for (const KeyValue& kv : (*src)->metadata()) w.SetValue(kv.key, kv.value);
    if (alignment != 0) w.SetU32("general.alignment", alignment);
    w.SetString("rocmforge.note", "copied by GgufWriter");
    w.SetU64("rocmforge.u64", ~0ull);
    const double values[] = {1.5, -2.5};
    w.SetFloatArray("rocmforge.f64s", ValueType::kF64, values);
    for (const TensorInfo& t : (*src)->tensors()) {
      ASSERT_TRUE(w.AddTensor(t.name, t.dims, t.type, t.bytes()).ok());
    }
    const std::string copy = rf::testing::TempDir() + "/copy.gguf";
    ASSERT_TRUE(w.WriteFile(copy).ok());
    EXPECT_EQ(Generate(copy), expected);
  }
}

// ggml's strict GGUF reader (gguf_init_from_file, reading the data too) accepts our sample file
// with every value type and several tensor types, and its f32 tensor reads back as we wrote it.
TEST(GgufOracleTest, GgmlReadsOurSampleFile) {
  RF_ORACLE_OR_SKIP(oracle);
  for (uint32_t alignment : {0u, 64u}) {
    SCOPED_TRACE(absl::StrCat("alignment ", alignment));
    const std::string path = rf::testing::TempDir() + "/sample.gguf";
    ASSERT_TRUE(testing::WriteSampleGguf(path, alignment).ok());
    auto ours = GgufFile::Open(path);
    ASSERT_TRUE(ours.ok()) << ours.status();
    for (const char* name : {"q8", "f16", "f32"}) {
      SCOPED_TRACE(name);
      int code = -1;
      const std::string out = rf::testing::RunCommand(
          absl::StrCat(rf::testing::OracleLlamaLogits(), " --dequant '", path, "' ", name, " 2>&1"),
          &code);
      ASSERT_EQ(code, 0) << out;
      std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
      const TensorInfo* t = (*ours)->FindTensor(name);
      ASSERT_EQ(lines.size(), 1 + t->n_elements) << out;
      EXPECT_EQ(lines[0], quant::TypeName(t->type));
      if (t->type != quant::GgmlType::kF32) continue;
      for (uint64_t k = 0; k < t->n_elements; ++k) {
        float ours_value;
        std::memcpy(&ours_value, t->data + 4 * k, 4);
        float theirs;
        ASSERT_TRUE(absl::SimpleAtof(lines[1 + k], &theirs)) << lines[1 + k];
        if (std::isnan(ours_value)) {
          EXPECT_TRUE(std::isnan(theirs)) << k;
        } else {
          EXPECT_EQ(theirs, ours_value) << k;
        }
      }
    }
  }
}

std::vector<std::string> VocabFiles(const std::string& oracle) {
  std::vector<std::string> paths;
  const std::string dir = oracle + "/src/models";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (absl::StartsWith(name, "ggml-vocab-") && absl::EndsWith(name, ".gguf")) {
        paths.push_back(dir + "/" + name);
      }
    }
    closedir(d);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(GgufOracleTest, ReaderAndInspectOpenEveryVocabFile) {
  RF_ORACLE_OR_SKIP(oracle);
  const std::vector<std::string> paths = VocabFiles(oracle);
  ASSERT_GE(paths.size(), 10u) << "expected llama.cpp's ggml-vocab-*.gguf in " << oracle;
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    auto file = GgufFile::Open(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_TRUE((*file)->Find("tokenizer.ggml.model") != nullptr);
    int code = -1;
    const std::string out = rf::testing::RunCommand(
        absl::StrCat("'", RF_RFC_PATH, "' inspect '", path, "' 2>&1"), &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_THAT(out, HasSubstr(path + ": GGUF v"));
  }
}

}  // namespace
}  // namespace rf::gguf
