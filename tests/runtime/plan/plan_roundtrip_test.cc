// Writing and reading plans: round trips are exact, weights land aligned, failed writes leave no
// file, and the helpers (TensorBytes, Kernel equality, opcode names) behave.
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quant/types.h"
#include "runtime/plan/plan.h"
#include "runtime/plan/plan_layout.h"
#include "support/atomic_file.h"
#include "support/mapped_file.h"
#include "tests/runtime/plan/sample_plan.h"
#include "tests/test_util.h"

namespace rf::plan {
namespace {

using ::testing::HasSubstr;
using testing::SamplePlan;
using testing::SampleWeights;

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  return names;
}

const SectionEntry& Section(const PlanFile& file, const std::string& name) {
  for (const SectionEntry& e : file.sections()) {
    if (e.name == name) return e;
  }
  static const SectionEntry kNone;
  ADD_FAILURE() << "no section " << name;
  return kNone;
}

TEST(PlanRoundTripTest, EveryFieldSurvives) {
  const Plan plan = SamplePlan();
  const std::vector<uint8_t> weights = SampleWeights(plan.arena.weights);
  const std::string path = ::rf::testing::TempDir() + "/sample.plan";
  ASSERT_TRUE(WritePlan(path, plan, weights).ok());

  auto file = PlanFile::Open(path, "gfx1100");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->plan() == plan);
  EXPECT_EQ((*file)->plan().prefill, plan.prefill);
  EXPECT_EQ((*file)->plan().kernels, plan.kernels);
  EXPECT_EQ(std::vector<uint8_t>((*file)->weights().begin(), (*file)->weights().end()), weights);
  EXPECT_EQ((*file)->name(), path);
  // Every opcode is in the sample, so every opcode round-trips.
  std::set<Opcode> ops;
  for (const Instruction& ins : (*file)->plan().prefill.instructions) ops.insert(ins.op);
  EXPECT_EQ(ops.size(), static_cast<size_t>(Opcode::kCount));

  // The sections are the required ones, in order; the weights are aligned in the file and in
  // memory.
  std::vector<std::string> names;
  for (const SectionEntry& e : (*file)->sections()) names.push_back(e.name);
  EXPECT_THAT(names, ::testing::ElementsAre("meta", "graph", "programs", "tokenizer", "kernels",
                                            "weights"));
  EXPECT_EQ(Section(**file, "weights").offset % kWeightsAlignment, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*file)->weights().data()) % kWeightsAlignment, 0u);
  EXPECT_EQ((*file)->file_size(), Section(**file, "weights").offset + weights.size());

  // The in-memory encoding is the file, byte for byte.
  auto mapped = MappedFile::Open(path);
  ASSERT_TRUE(mapped.ok());
  auto bytes = internal::EncodePlanFile(plan, weights);
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(
      std::equal(bytes->begin(), bytes->end(), mapped->bytes().begin(), mapped->bytes().end()));
}

TEST(PlanRoundTripTest, EmptyOptionalContent) {
  // A cpu plan: no kernels, no graph text, no tokenizer; programs may be empty.
  Plan plan = SamplePlan(4096, "cpu");
  plan.kernels.clear();
  plan.graph_text.clear();
  plan.tokenizer.clear();
  plan.prefill.instructions.clear();
  for (Instruction& ins : plan.decode.instructions) ins.kernels.clear();
  plan.inputs.clear();
  auto bytes = internal::EncodePlanFile(plan, SampleWeights(4096));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto file = PlanFile::Parse("cpu.plan", *bytes, "cpu");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->plan() == plan);
}

TEST(PlanRoundTripTest, LargeWeightsRoundTripAligned) {
  constexpr uint64_t kBytes = uint64_t{64} << 20;
  const Plan plan = SamplePlan(kBytes);
  const std::vector<uint8_t> weights = SampleWeights(kBytes);
  const std::string path = ::rf::testing::TempDir() + "/large.plan";
  ASSERT_TRUE(WritePlan(path, plan, weights).ok());
  auto file = PlanFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ((*file)->weights().size(), kBytes);
  EXPECT_EQ(std::memcmp((*file)->weights().data(), weights.data(), kBytes), 0);
  EXPECT_EQ(Section(**file, "weights").offset % kWeightsAlignment, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>((*file)->weights().data()) % kWeightsAlignment, 0u);
  EXPECT_TRUE((*file)->plan() == plan);
}

TEST(PlanWriteTest, MissingDirectoryIsAnErrorAndLeavesNothing) {
  const std::string dir = ::rf::testing::TempDir();
  const Plan plan = SamplePlan();
  absl::Status s = WritePlan(dir + "/no/such/dir/m.plan", plan, SampleWeights(5000));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr(dir + "/no/such/dir/m.plan"));
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(PlanWriteTest, ParentIsAFileIsAnError) {
  const std::string dir = ::rf::testing::TempDir();
  ASSERT_TRUE(WriteFileAtomically(dir + "/file", std::vector<uint8_t>{1}).ok());
  absl::Status s = WritePlan(dir + "/file/m.plan", SamplePlan(), SampleWeights(5000));
  EXPECT_THAT(s.message(), HasSubstr("cannot create a temporary file"));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"file"});
}

TEST(PlanWriteTest, UnwritableDirectoryIsAnError) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes anywhere (ParentIsAFileIsAnError covers it)";
  const std::string dir = ::rf::testing::TempDir() + "/ro";
  ASSERT_EQ(mkdir(dir.c_str(), 0555), 0);
  absl::Status s = WritePlan(dir + "/m.plan", SamplePlan(), SampleWeights(5000));
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(PlanWriteTest, FailureMidWriteLeavesNoFile) {
  // A file size limit makes the write of the weights fail part-way (EFBIG), as a full disk would.
  const std::string dir = ::rf::testing::TempDir();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{16384, 16384};
    setrlimit(RLIMIT_FSIZE, &limit);
    absl::Status s = WritePlan(dir + "/m.plan", SamplePlan(65536), SampleWeights(65536));
    _exit(!s.ok() && s.message().find("write failed") != absl::string_view::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the write did not fail with a write error";
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(PlanWriteTest, InvalidPlanIsNotWritten) {
  const std::string dir = ::rf::testing::TempDir();
  Plan plan = SamplePlan();
  plan.decode.instructions[3].operands[1].offset = plan.arena.total() - 16;
  absl::Status s = WritePlan(dir + "/m.plan", plan, SampleWeights(5000));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("section 'programs': byte "));
  EXPECT_THAT(s.message(), HasSubstr("program 'decode' instruction #3"));
  EXPECT_THAT(s.message(), HasSubstr("runs past the arena"));
  EXPECT_THAT(s.message(), HasSubstr("not written"));
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(PlanWriteTest, WeightsMustMatchTheArena) {
  const std::string dir = ::rf::testing::TempDir();
  absl::Status s = WritePlan(dir + "/m.plan", SamplePlan(5000), SampleWeights(4999));
  EXPECT_THAT(s.message(),
              HasSubstr("4,999 bytes of weights, but the plan's arena reserves 5,000"));
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(PlanWriteTest, BadTargetOrProducerIsRefused) {
  Plan plan = SamplePlan();
  plan.target = "gfx 1100\n";
  auto bytes = internal::EncodePlanFile(plan, SampleWeights(5000));
  EXPECT_THAT(bytes.status().message(), HasSubstr("target 'gfx 1100\\x0a' is not"));
  plan.target = "";
  EXPECT_FALSE(internal::EncodePlanFile(plan, SampleWeights(5000)).ok());
  plan.target = "cpu";
  plan.producer = std::string(300, 'x');
  EXPECT_THAT(internal::EncodePlanFile(plan, SampleWeights(5000)).status().message(),
              HasSubstr("producer"));
}

TEST(TensorBytesTest, SizesFromTypeAndShape) {
  const auto f32 = static_cast<uint32_t>(quant::GgmlType::kF32);
  const auto q4_0 = static_cast<uint32_t>(quant::GgmlType::kQ4_0);
  const auto q4_k = static_cast<uint32_t>(quant::GgmlType::kQ4_K);
  EXPECT_EQ(TensorBytes({0, f32, {kDimT, 16}}, 8).value(), 512u);
  EXPECT_EQ(TensorBytes({0, f32, {kDimT, 16}}, 1).value(), 64u);
  EXPECT_EQ(TensorBytes({0, q4_0, {2, 64}}, 1).value(), 2u * 2 * 18);
  EXPECT_EQ(TensorBytes({0, q4_k, {3, 512}}, 1).value(), 3u * 2 * 144);
  EXPECT_EQ(TensorBytes({0, f32, {2, 3, 4, 5}}, 1).value(), 480u);
}

TEST(TensorBytesTest, RejectsBadShapesAndTypes) {
  const auto f32 = static_cast<uint32_t>(quant::GgmlType::kF32);
  const auto q8_0 = static_cast<uint32_t>(quant::GgmlType::kQ8_0);
  EXPECT_THAT(TensorBytes({0, f32, {}}, 1).status().message(), HasSubstr("rank 0"));
  EXPECT_THAT(TensorBytes({0, f32, {1, 1, 1, 1, 1}}, 1).status().message(), HasSubstr("rank 5"));
  EXPECT_THAT(TensorBytes({0, f32, {4, 0}}, 1).status().message(), HasSubstr("dim #1 is 0"));
  EXPECT_THAT(TensorBytes({0, f32, {-2}}, 1).status().message(), HasSubstr("dim #0 is -2"));
  EXPECT_THAT(TensorBytes({0, 5, {4}}, 1).status().message(), HasSubstr("unknown type id 5"));
  EXPECT_THAT(TensorBytes({0, 1000, {4}}, 1).status().message(), HasSubstr("unknown type id"));
  EXPECT_THAT(TensorBytes({0, q8_0, {4, 33}}, 1).status().message(),
              HasSubstr("innermost dim 33 is not a multiple of q8_0's block size 32"));
  EXPECT_THAT(TensorBytes({0, f32, {kDimT}}, 0).status().message(), HasSubstr("token count"));
  const int64_t big = int64_t{1} << 40;
  EXPECT_THAT(TensorBytes({0, f32, {big, big}}, 1).status().message(), HasSubstr("over 2^62"));
  EXPECT_THAT(TensorBytes({0, f32, {INT64_MAX, INT64_MAX, INT64_MAX, 4}}, 1).status().message(),
              HasSubstr("over 2^62"));
}

TEST(PlanStructsTest, KernelEqualityComparesEveryField) {
  const Kernel base = SamplePlan().kernels[0];
  EXPECT_EQ(base, base);
  for (int field = 0; field < 7; ++field) {
    Kernel k = base;
    switch (field) {
      case 0:
        k.name += "x";
        break;
      case 1:
        k.source += "x";
        break;
      case 2:
        k.block += 1;
        break;
      case 3:
        k.grid_base += 1;
        break;
      case 4:
        k.grid_per_tile += 1;
        break;
      case 5:
        k.grid_y += 1;
        break;
      case 6:
        k.code_object.push_back(0);
        break;
    }
    EXPECT_FALSE(k == base) << "field " << field;
  }
}

TEST(PlanStructsTest, OpcodeNamesAreDistinct) {
  std::set<std::string> names;
  for (int k = 0; k < static_cast<int>(Opcode::kCount); ++k) {
    names.insert(OpcodeName(static_cast<Opcode>(k)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(Opcode::kCount));
  EXPECT_FALSE(names.contains("unknown"));
  EXPECT_STREQ(OpcodeName(Opcode::kRmsNormMatmulSiluMul), "rms_norm_matmul_silu_mul");
  EXPECT_STREQ(OpcodeName(Opcode::kCount), "unknown");
}

}  // namespace
}  // namespace rf::plan
