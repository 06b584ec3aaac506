#include "codegen/prelude.h"

#include <string>

#include "gtest/gtest.h"

namespace rf::codegen {
namespace {

TEST(PreludeTest, DialectFollowsTheArchitecture) {
  EXPECT_EQ(DialectForArch("sm_90"), KernelDialect::kCuda);
  EXPECT_EQ(DialectForArch("gfx1100"), KernelDialect::kHip);
  EXPECT_EQ(DialectForArch("gfx90a:sramecc+:xnack-"), KernelDialect::kHip);
}

TEST(PreludeTest, SelfContainedAndAlike) {
  for (KernelDialect d : {KernelDialect::kHip, KernelDialect::kCuda, KernelDialect::kEmu}) {
    const std::string p(KernelPrelude(d));
    EXPECT_EQ(p.find("#include"), std::string::npos) << "emitted kernels include no headers";
    // The names a kernel body may use exist in both dialects.
    for (const char* name : {"typedef unsigned int u32;",
                             "u32x4",
                             "f32x4",
                             "RF_KERNEL",
                             "RF_LAUNCH_BOUNDS",
                             "RF_DEVICE",
                             "RF_SHARED",
                             "RF_RESTRICT",
                             "rf_thread_x()",
                             "rf_block_z()",
                             "rf_lane_id()",
                             "rf_barrier()",
                             "rf_half_to_f32(u16 h)",
                             "rf_f32_to_half(f32 f)",
                             "rf_bf16_to_f32(u16 b)",
                             "rf_shfl_xor(f32 v, i32 lane_mask, i32 width)",
                             "rf_shfl_down(i32 v, u32 delta, i32 width)",
                             "rf_exp(",
                             "rf_rsqrt(",
                             "rf_fma(",
                             "rf_max(",
                             "rf_min("}) {
      EXPECT_NE(p.find(name), std::string::npos) << name << " missing from the prelude";
    }
  }
}

TEST(PreludeTest, SplitKernelSourceUndoesWithPrelude) {
  for (KernelDialect d : {KernelDialect::kHip, KernelDialect::kCuda, KernelDialect::kEmu}) {
    const std::string body = "RF_KERNEL void k() {}\n";
    auto parts = SplitKernelSource("#define RF_WAVE_SIZE 32\n" + WithPrelude(d, body));
    ASSERT_TRUE(parts.ok()) << parts.status();
    EXPECT_EQ(parts->defines, "#define RF_WAVE_SIZE 32\n");
    EXPECT_EQ(parts->body, body);
  }
  EXPECT_FALSE(SplitKernelSource("RF_KERNEL void k() {}\n").ok()) << "no prelude";
  EXPECT_FALSE(SplitKernelSource(KernelPrelude(KernelDialect::kHip)).ok()) << "no #line 1";
}

TEST(PreludeTest, WithPreludeRestartsLineNumbers) {
  const std::string s = WithPrelude(KernelDialect::kHip, "RF_KERNEL void k() {}\n");
  EXPECT_EQ(s.find(std::string(KernelPrelude(KernelDialect::kHip))), 0u);
  EXPECT_NE(s.find("#line 1\nRF_KERNEL void k() {}\n"), std::string::npos);
}

}  // namespace
}  // namespace rf::codegen
