// DescribePlan: what `rfc inspect M.plan` prints.
#include "runtime/plan/describe.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/plan/plan_layout.h"
#include "support/format.h"
#include "tests/runtime/plan/sample_plan.h"

namespace rf::plan {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

TEST(DescribePlanTest, SampleEverything) {
  const std::vector<uint8_t> bytes = testing::SampleFile();
  auto file = PlanFile::Parse("m.plan", bytes);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string text = DescribePlan(**file);
  EXPECT_THAT(text, HasSubstr("m.plan: plan format v1, " + WithCommas(bytes.size()) +
                              " bytes, target gfx1100, produced by \"rocmforge 0.1.0\"\n"));
  EXPECT_THAT(text, HasSubstr("  arch          llama\n  name          \"sample \"model\"\"\n"));
  EXPECT_THAT(text, HasSubstr("  max_batch     8\n"));
  EXPECT_THAT(text, ContainsRegex("  weights +[0-9,]+ +5,000  [0-9a-f]{16}\n"));
  EXPECT_THAT(text, ContainsRegex("  meta +[0-9,]+ +[0-9,]+  [0-9a-f]{16}\n"));
  EXPECT_THAT(text, HasSubstr("arena: 29,832 bytes (29.13 KiB)\n"));
  EXPECT_THAT(text, ContainsRegex("  kv_cache +5,000 +8,192  \\(8.00 KiB\\)\n"));
  EXPECT_THAT(text, ContainsRegex("  step_params +29,576 +256  \\(256 B\\)\n"));
  EXPECT_THAT(text, HasSubstr("  n_tokens (i32) at 29,576\n  workspace 4,096 bytes at 21,384 (in "
                              "the activations)\n"));
  EXPECT_THAT(text, HasSubstr("inputs:\n  tokens         i32 [T] at 29,640\n"));
  EXPECT_THAT(text, HasSubstr("outputs:\n  logits         f32 [T, 32] at 13,192\n"));
  EXPECT_THAT(text, HasSubstr("  prefill  20 instructions (30 kernel launches): embedding 1, "
                              "rms_norm 1, "));
  EXPECT_THAT(text, HasSubstr("  decode   20 instructions (15 kernel launches): "));
  EXPECT_THAT(text, ContainsRegex("kernels: 3 \\(source [0-9,]+ bytes; 2 with code objects, "
                                  "317 bytes\\)\n"));
  EXPECT_THAT(text, HasSubstr("tokenizer: 200 bytes\n"));
}

TEST(DescribePlanTest, HostileNamesAreEscaped) {
  Plan plan = testing::SamplePlan();
  plan.model.name = "\x1b]0;pwned\x07";
  plan.outputs[0].name = "lo\ngits";
  auto bytes = internal::EncodePlanFile(plan, testing::SampleWeights(plan.arena.weights));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto file = PlanFile::Parse("m.plan", *bytes);
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string text = DescribePlan(**file);
  EXPECT_THAT(text, HasSubstr("\"\\x1b]0;pwned\\x07\""));
  EXPECT_THAT(text, HasSubstr("  lo\\x0agits "));
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace rf::plan
