// Reading resource use from code-object notes, and the occupancy arithmetic, on recorded
// llvm-readelf output (testdata/*.notes: hipRTC 5.7 for gfx1100, clang 19 for gfx90a).
#include "codegen/kernel_resources.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/atomic_file.h"

namespace rf::codegen {
namespace {

std::string TestData(const std::string& name) {
  return *ReadFileToString(std::string(RF_SOURCE_DIR) + "/tests/codegen/testdata/" + name);
}

TEST(KernelResourcesTest, ParsesHiprtcGfx1100Notes) {
  auto r = ParseAmdgpuNotes(TestData("gemv_f16.gfx1100.hiprtc57.notes"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->target, "amdgcn-amd-amdhsa--gfx1100");
  EXPECT_EQ(r->arch, "gfx1100");
  ASSERT_EQ(r->kernels.size(), 1u);
  const KernelResources& k = r->kernels[0];
  EXPECT_EQ(k.name, "gemv_f16");
  EXPECT_EQ(k.vgprs, 21);
  EXPECT_EQ(k.sgprs, 18);
  EXPECT_EQ(k.lds_bytes, 0);
  EXPECT_EQ(k.scratch_bytes, 0);
  EXPECT_EQ(k.vgpr_spills, 0);
  EXPECT_EQ(k.sgpr_spills, 0);
  EXPECT_EQ(k.wave_size, 32);
  EXPECT_EQ(k.max_workgroup_size, 128);
  ASSERT_TRUE(k.occupancy.has_value());
  EXPECT_EQ(k.occupancy->waves_per_simd, 16);
  EXPECT_THAT(
      FormatKernelResources(*r),
      ::testing::HasSubstr("gemv_f16                     VGPRs  21  SGPRs  18  LDS      0 B"
                           "  scratch    0 B  spills 0/0  wave32  occupancy 16/16 (waves)"));
}

TEST(KernelResourcesTest, ParsesClangGfx90aNotesWhereTheFirstFieldIsAgprCount) {
  auto r = ParseAmdgpuNotes(TestData("rms_norm.gfx90a.clang19.notes"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->arch, "gfx90a");
  ASSERT_EQ(r->kernels.size(), 1u);
  const KernelResources& k = r->kernels[0];
  EXPECT_EQ(k.name, "rms_norm_f16_out");
  EXPECT_EQ(k.agprs, 0);
  EXPECT_EQ(k.vgprs, 26);
  EXPECT_EQ(k.sgprs, 16);
  EXPECT_EQ(k.lds_bytes, 20);
  EXPECT_EQ(k.wave_size, 64);
  EXPECT_EQ(k.max_workgroup_size, 256);
  ASSERT_TRUE(k.occupancy.has_value());
  EXPECT_EQ(k.occupancy->waves_per_simd, 8);
}

TEST(KernelResourcesTest, RejectsOutputWithoutKernelMetadata) {
  EXPECT_FALSE(ParseAmdgpuNotes("Displaying notes found in: .note.gnu.build-id\n").ok());
}

// Hand-computed from LLVM's rules for gfx1100 (1536 VGPRs in blocks of 24, 16 waves, 128 KiB LDS
// per WGP over 4 SIMDs, 32 workgroups per WGP).
TEST(OccupancyTest, Gfx1100ByVgprs) {
  auto l = *AmdgpuLimitsFor("gfx1100", 32);
  EXPECT_EQ(l.total_vgprs, 1536);
  EXPECT_EQ(l.vgpr_granule, 24);
  EXPECT_EQ(ComputeOccupancy(l, 23, 10, 0, 256).waves_per_simd, 16);  // below one block
  EXPECT_EQ(ComputeOccupancy(l, 96, 10, 0, 256).waves_per_simd, 16);  // 1536 / 96
  EXPECT_EQ(ComputeOccupancy(l, 97, 10, 0, 256).waves_per_simd, 12);  // 1536 / 120 = 12.8
  EXPECT_EQ(ComputeOccupancy(l, 164, 10, 0, 256).waves_per_simd, 9);  // 1536 / 168
  EXPECT_EQ(ComputeOccupancy(l, 256, 10, 0, 256).waves_per_simd, 5);  // 1536 / 264
  EXPECT_STREQ(ComputeOccupancy(l, 164, 10, 0, 256).limiter, "VGPRs");
}

TEST(OccupancyTest, Gfx1100ByLds) {
  auto l = *AmdgpuLimitsFor("gfx1100", 32);
  // 40000 B: 3 workgroups per WGP x 8 waves / 4 SIMDs = 6.
  Occupancy o = ComputeOccupancy(l, 24, 10, 40000, 256);
  EXPECT_EQ(o.waves_per_simd, 6);
  EXPECT_STREQ(o.limiter, "LDS");
  // 65536 B with 1024 threads: 2 groups x 32 waves / 4 = 16.
  EXPECT_EQ(ComputeOccupancy(l, 24, 10, 65536, 1024).waves_per_simd, 16);
  // 65536 B with 64 threads: 2 groups x 2 waves / 4 = 1.
  EXPECT_EQ(ComputeOccupancy(l, 24, 10, 65536, 64).waves_per_simd, 1);
}

TEST(OccupancyTest, OtherArchitectures) {
  auto gfx1030 = *AmdgpuLimitsFor("gfx1030", 32);
  EXPECT_EQ(ComputeOccupancy(gfx1030, 97, 10, 0, 256).waves_per_simd, 9);  // 1024 / 112
  auto gfx90a = *AmdgpuLimitsFor("gfx90a:sramecc+:xnack-", 64);
  EXPECT_EQ(gfx90a.total_vgprs, 512);
  EXPECT_EQ(ComputeOccupancy(gfx90a, 128, 40, 0, 256).waves_per_simd, 4);  // 512 / 128
  EXPECT_EQ(ComputeOccupancy(gfx90a, 16, 102, 0, 256).waves_per_simd, 7);  // SGPRs > 100
  EXPECT_FALSE(AmdgpuLimitsFor("gfx90a", 32).has_value());
  EXPECT_FALSE(AmdgpuLimitsFor("gfx803", 64).has_value());
  EXPECT_FALSE(AmdgpuLimitsFor("sm_90", 32).has_value());
}

}  // namespace
}  // namespace rf::codegen
