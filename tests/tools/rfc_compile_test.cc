// `rfc compile` end to end on the bundled model: the plan it writes, kernel sources without a plan,
// ahead-of-time code objects (--aot) that carry the kernels the plan names, the per-kernel resource
// report, and clear errors for what cannot be done.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "codegen/kernel_resources.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/plan/plan.h"
#include "support/atomic_file.h"
#include "tests/codegen/toolchains.h"
#include "tests/test_util.h"

namespace rf::tools {
namespace {

using ::testing::HasSubstr;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

Result Rfc(const std::string& args) {
  const std::string err_path = testing::TempDir() + "/stderr.txt";
  Result r;
  r.out = testing::RunCommand(absl::StrCat("'", RF_RFC_PATH, "' ", args, " 2>'", err_path, "'"),
                              &r.exit_code);
  r.err = ReadFileToString(err_path).value_or("");
  return r;
}

const std::string& Model() {
  static const std::string path = testing::ModelPath("stories260K.gguf");
  return path;
}

TEST(RfcCompileTest, WritesAPlanForTheCpu) {
  const std::string plan = testing::TempDir() + "/cpu.plan";
  Result r = Rfc("compile '" + Model() + "' -o '" + plan + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rfc compile: wrote " + plan));
  auto file = plan::PlanFile::Open(plan, "cpu");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->plan().kernels.empty());
}

TEST(RfcCompileTest, EmitsKernelSourcesWithoutAPlan) {
  const std::string dir = testing::TempDir() + "/kernels";
  ASSERT_EQ(testing::RunCommand("mkdir -p '" + dir + "'").size(), 0u);
  Result r = Rfc("compile '" + Model() + "' --target gfx1100 --emit-kernels '" + dir + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no plan: -o not given"));
  const std::string listing = testing::RunCommand("ls '" + dir + "'");
  EXPECT_THAT(listing, HasSubstr("_decode.hip"));
  EXPECT_THAT(listing, HasSubstr("_prefill_wmma.hip"));
  auto source = ReadFileToString(dir + "/last_token_64.hip");
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_THAT(*source, HasSubstr("#define RF_WAVE_SIZE 32"));
}

TEST(RfcCompileTest, AheadOfTimeCodeObjectsHoldEveryKernel) {
  RF_TOOLCHAIN_OR_SKIP(codegen::ClangAvailable());
  RF_TOOLCHAIN_OR_SKIP(codegen::ReadelfAvailable());
  const std::string plan = testing::TempDir() + "/aot.plan";
  Result r = Rfc("compile '" + Model() + "' --target gfx1100 --aot -o '" + plan + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto file = plan::PlanFile::Open(plan, "gfx1100");
  ASSERT_TRUE(file.ok()) << file.status();
  const auto& kernels = (*file)->plan().kernels;
  ASSERT_GE(kernels.size(), 10u);
  for (const plan::Kernel& k : kernels) {
    ASSERT_GT(k.code_object.size(), 1000u) << k.name;
    EXPECT_EQ(std::string(k.code_object.begin(), k.code_object.begin() + 4),
              "\x7f"
              "ELF");
    const std::string code(k.code_object.begin(), k.code_object.end());
    auto resources = codegen::ReadKernelResources(code);
    ASSERT_TRUE(resources.ok()) << k.name << ": " << resources.status();
    ASSERT_EQ(resources->kernels.size(), 1u);
    EXPECT_EQ(resources->kernels[0].name, k.name);  // the name the runtime looks up
    EXPECT_EQ(resources->arch, "gfx1100");
    EXPECT_EQ(resources->kernels[0].wave_size, 32);
  }
}

TEST(RfcCompileTest, ReportsEachKernelsResources) {
  RF_TOOLCHAIN_OR_SKIP(codegen::ClangAvailable());
  RF_TOOLCHAIN_OR_SKIP(codegen::ReadelfAvailable());
  const std::string dir = testing::TempDir() + "/report";
  ASSERT_EQ(testing::RunCommand("mkdir -p '" + dir + "'").size(), 0u);
  Result r = Rfc("compile '" + Model() + "' --target gfx1100 --report-kernels --emit-kernels '" +
                 dir + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  const std::vector<std::string> files =
      absl::StrSplit(testing::RunCommand("ls '" + dir + "'"), '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), files.size());  // one line per kernel
  for (const std::string& line : lines) {
    EXPECT_THAT(line, ::testing::ContainsRegex(
                          "^[a-z0-9_]+ +VGPRs +[0-9]+ +SGPRs +[0-9]+ +LDS +[0-9]+ B +scratch +0 B "
                          "+spills 0/0 +wave32 +occupancy [0-9]+/16"));
  }
}

TEST(RfcCompileTest, ClearErrors) {
  Result r = Rfc("compile '" + Model() + "' --target sm_90 --aot -o /tmp/never.plan");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("need an AMD target"));
  EXPECT_FALSE(ReadFileToString("/tmp/never.plan").ok());
  r = Rfc("compile '" + Model() + "' --target gfx1100 --aot");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("give -o FILE"));
  r = Rfc("compile '" + Model() + "' --report-kernels");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("need a GPU target"));
  r = Rfc("compile '" + Model() + "' --target gfx9000 -o /tmp/never.plan");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("gfx9000"));
}

}  // namespace
}  // namespace rf::tools
