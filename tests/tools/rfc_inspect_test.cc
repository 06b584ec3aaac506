// `rfc inspect`: exit 0 and the full description on a good file; on a bad one, exit 1 with the
// reader's error as one line on stderr (no crash, no stack trace, nothing on stdout).
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/atomic_file.h"
#include "support/format.h"
#include "tests/runtime/plan/sample_plan.h"
#include "tests/test_util.h"

namespace rf::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// Runs `rfc ARGS`, capturing stdout and stderr.
Result Rfc(const std::string& args) {
  const std::string err_path = testing::TempDir() + "/stderr.txt";
  Result r;
  r.out = testing::RunCommand(absl::StrCat("'", RF_RFC_PATH, "' ", args, " 2>'", err_path, "'"),
                              &r.exit_code);
  r.err = ReadFileToString(err_path).value_or("");
  return r;
}

void ExpectNoCrashReport(const std::string& err) {
  for (const char* sign : {"Aborted", "terminate called", "Sanitizer", "#0 ", "Segmentation"}) {
    EXPECT_THAT(err, Not(HasSubstr(sign)));
  }
}

TEST(RfcInspectTest, DescribesTheBundledModel) {
  const std::string model = testing::ModelPath("stories260K.gguf");
  Result r = Rfc("inspect '" + model + "'");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr(model + ": GGUF v3, 1,185,376 bytes, 19 metadata keys, 48 tensors"));
  EXPECT_THAT(r.out, HasSubstr("array[string; 512]"));
  EXPECT_THAT(r.out, HasSubstr("... (512 items)"));
  EXPECT_THAT(r.out, HasSubstr("n_layer           5"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("token_embd.weight +\\[64, 512\\] +f32 +131,072 +0"));
  EXPECT_THAT(r.out, HasSubstr("total: 48 tensors, 292,800 elements, 1,171,200 bytes"));
}

TEST(RfcInspectTest, TruncatedFileIsAOneLineError) {
  auto model = ReadFileToString(testing::ModelPath("stories260K.gguf"));
  ASSERT_TRUE(model.ok());
  const std::string path = testing::TempDir() + "/truncated.gguf";
  ASSERT_TRUE(WriteFileAtomically(path, std::span<const uint8_t>(
                                            reinterpret_cast<const uint8_t*>(model->data()), 5000))
                  .ok());
  Result r = Rfc("inspect '" + path + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, ::testing::StartsWith("rfc inspect: " + path + ": byte "));
  EXPECT_THAT(r.err, HasSubstr("metadata 'tokenizer.ggml.tokens' element #"));
  EXPECT_THAT(r.err, ::testing::ContainsRegex("truncated\\?|runs past the end"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  ExpectNoCrashReport(r.err);
}

TEST(RfcInspectTest, NotAGgufFile) {
  const std::string path = testing::TempDir() + "/text.gguf";
  ASSERT_TRUE(WriteFileAtomically(path, std::span<const uint8_t>(
                                            reinterpret_cast<const uint8_t*>("hello world\n"), 12))
                  .ok());
  Result r = Rfc("inspect '" + path + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr(path + ": byte 0: magic: expected \"GGUF\""));
  ExpectNoCrashReport(r.err);
}

TEST(RfcInspectTest, MissingFile) {
  Result r = Rfc("inspect /nonexistent/model.gguf");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/model.gguf: cannot open: No such file"));
  ExpectNoCrashReport(r.err);
}

TEST(RfcInspectTest, Usage) {
  Result none = Rfc("inspect");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("usage: rfc inspect MODEL.gguf|MODEL.plan"));
  Result help = Rfc("inspect --help");
  EXPECT_EQ(help.exit_code, 0);
}

// Plans are told from GGUF files by their magic, whatever the file's name.
std::string WritePlanFile(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = testing::TempDir() + "/" + name;
  EXPECT_TRUE(WriteFileAtomically(path, bytes).ok());
  return path;
}

TEST(RfcInspectTest, DescribesAPlan) {
  const std::vector<uint8_t> bytes = plan::testing::SampleFile();
  const std::string path = WritePlanFile("model.bin", bytes);
  Result r = Rfc("inspect '" + path + "'");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr(path + ": plan format v1, " + WithCommas(bytes.size()) +
                               " bytes, target gfx1100, produced by \"rocmforge 0.1.0\""));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("  weights +[0-9,]+ +5,000  [0-9a-f]{16}"));
  EXPECT_THAT(r.out, HasSubstr("arena: 29,832 bytes (29.13 KiB)"));
  EXPECT_THAT(r.out, HasSubstr("inputs:\n  tokens         i32 [T] at 29,640\n"));
  EXPECT_THAT(r.out, HasSubstr("  decode   20 instructions (15 kernel launches): "));
  EXPECT_THAT(r.out, HasSubstr("kernels: 3 "));
}

TEST(RfcInspectTest, DescribesACompiledPlan) {
  // What rfc compile writes, rfc inspect reads back (the bundled model, cpu target).
  const std::string path = testing::TempDir() + "/stories260K.plan";
  Result compiled =
      Rfc("compile '" + testing::ModelPath("stories260K.gguf") + "' -o '" + path + "'");
  ASSERT_EQ(compiled.exit_code, 0) << compiled.err;
  Result r = Rfc("inspect '" + path + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(path + ": plan format v1, "));
  EXPECT_THAT(r.out, HasSubstr(", target cpu, produced by \"rocmforge "));
  EXPECT_THAT(r.out, HasSubstr("  arch          llama\n"));
  EXPECT_THAT(r.out, HasSubstr("  n_vocab       512\n"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("  weights +[0-9,]+ +1,171,200  [0-9a-f]{16}\n"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("  weights +0 +1,171,200  \\(1.12 MiB\\)\n"));
  EXPECT_THAT(r.out, HasSubstr("  tokens         i32 [T] at "));
  EXPECT_THAT(r.out, HasSubstr("  logits         f32 [1, 512] at "));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("  prefill  [0-9]+ instructions: "));
  EXPECT_THAT(r.out, HasSubstr("kernels: 0 "));
}

TEST(RfcInspectTest, DamagedPlanIsAOneLineError) {
  std::vector<uint8_t> bytes = plan::testing::SampleFile();
  bytes[bytes.size() - 10] ^= 0xFF;  // in the weights
  const std::string path = WritePlanFile("damaged.plan", bytes);
  Result r = Rfc("inspect '" + path + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, ::testing::StartsWith("rfc inspect: " + path + ": section 'weights' ("));
  EXPECT_THAT(r.err, HasSubstr("checksum mismatch (file damaged or truncated?); recompile"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  ExpectNoCrashReport(r.err);

  bytes = plan::testing::SampleFile();
  bytes.resize(bytes.size() / 3);
  Result truncated = Rfc("inspect '" + WritePlanFile("truncated.plan", bytes) + "'");
  EXPECT_EQ(truncated.exit_code, 1);
  EXPECT_THAT(truncated.err, HasSubstr("run past the end of the file"));
  ExpectNoCrashReport(truncated.err);
}

}  // namespace
}  // namespace rf::tools
