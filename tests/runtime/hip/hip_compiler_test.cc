// hipRTC (or NVRTC behind the CUDA shim) in-process, without a device: the KernelCompiler and the
// kernel build with a real compiler and a real cache.
#include "runtime/hip/kernel_compiler.h"

#include "codegen/prelude.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/hip/device.h"
#include "tests/test_util.h"

namespace rf::hip {
namespace {

using ::testing::HasSubstr;

// An architecture this build's compiler serves without a GPU.
#if defined(RF_HIP_BACKEND_CUDA)
constexpr char kArch[] = "sm_90";
#else
constexpr char kArch[] = "gfx1030";
#endif

std::string Source(absl::string_view body) {
  return codegen::WithPrelude(codegen::DialectForArch(kArch), body);
}

constexpr char kScale[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(64) void scale(f32* RF_RESTRICT y, f32 a) {
  y[rf_block_x() * 64 + rf_thread_x()] *= a;
}
)";

TEST(DeviceTest, CountIsZeroNotACrashWithoutAGpu) {
  const int n = Device::Count();
  EXPECT_GE(n, 0);
  if (n == 0) {
    auto device = Device::Open(0);
    ASSERT_FALSE(device.ok());
    EXPECT_EQ(device.status().code(), absl::StatusCode::kUnavailable) << device.status();
  }
}

TEST(KernelCompilerTest, CompilesWithoutADevice) {
  auto compiler = KernelCompiler::Create(kArch);
  ASSERT_TRUE(compiler.ok()) << compiler.status();
  EXPECT_EQ(compiler->target().arch, kArch);
  EXPECT_FALSE(compiler->target().compiler_version.empty());
  auto code = compiler->Compile({"scale", Source(kScale)});
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_GT(code->size(), 1000u);
  EXPECT_EQ(code->substr(1, 3), "ELF");  // AMDGPU code objects and CUBINs are both ELF
}

TEST(KernelCompilerTest, ErrorsNameTheKernelAndCarryTheLog) {
  auto compiler = KernelCompiler::Create(kArch);
  ASSERT_TRUE(compiler.ok()) << compiler.status();
  auto code =
      compiler->Compile({"k7_broken", Source("RF_KERNEL void k7_broken() { undefined_x = 1; }\n")});
  ASSERT_FALSE(code.ok());
  const std::string message(code.status().message());
  EXPECT_THAT(message, HasSubstr(std::string("kernel 'k7_broken' for ") + kArch));
  EXPECT_THAT(message, HasSubstr("undefined_x"));  // from the compiler log
}

#if defined(RF_HIP_BACKEND_AMD)
TEST(KernelCompilerTest, RefusesGfx11OnHiprtcThatWouldAbort) {
  int v = 0;
  ASSERT_EQ(hipRuntimeGetVersion(&v), hipSuccess);
  if (v / 100000 > 502) GTEST_SKIP() << "this hipRTC is newer than 5.2";
  auto compiler = KernelCompiler::Create("gfx1100");
  ASSERT_FALSE(compiler.ok());
  EXPECT_THAT(std::string(compiler.status().message()), HasSubstr("aborts on gfx11"));
}
#endif

TEST(KernelBuildTest, RealCompilerColdThenWarm) {
  auto compiler = KernelCompiler::Create(kArch);
  ASSERT_TRUE(compiler.ok()) << compiler.status();
  auto cache = KernelCache::Open(testing::TempDir());
  ASSERT_TRUE(cache.ok());
  std::vector<KernelSource> kernels;
  for (int i = 0; i < 4; ++i) {
    kernels.push_back({"scale", Source(std::string(kScale) + "// variant " + std::to_string(i))});
  }
  KernelBuildStats cold, warm;
  auto first =
      BuildKernels(kernels, {compiler->target(), &*cache, 2}, compiler->AsFunction(), &cold);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second =
      BuildKernels(kernels, {compiler->target(), &*cache, 2}, compiler->AsFunction(), &warm);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(cold.compiled, 4);
  EXPECT_EQ(warm.cached, 4);
  EXPECT_EQ(*first, *second);
  std::printf("4 kernels for %s (%s): cold %.3f s, warm %.4f s\n", kArch,
              compiler->target().compiler_version.c_str(), cold.wall_seconds, warm.wall_seconds);
}

}  // namespace
}  // namespace rf::hip
