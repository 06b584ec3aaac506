// The emulator's dialect and launches on small kernels: scalar and pointer arguments, the half and
// bf16 conversions (bit-exact with support/half.h over every 16-bit pattern), the shuffles (the
// same expectations as the GPU's test, tests/runtime/hip/hip_gpu_test.cc), barriers over shared
// memory across blocks, threads that return before a barrier, and a shuffle from a lane that has
// returned (an error). No GPU, no cache: every kernel is compiled here.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "codegen/prelude.h"
#include "gtest/gtest.h"
#include "runtime/emu/emu_launch.h"
#include "runtime/emu/emu_module.h"
#include "support/half.h"

namespace rf::emu {
namespace {

// The emulator source of `body` for waves of `wave` lanes, as a plan would carry it.
std::string Complete(const std::string& body, int wave) {
  return "#define RF_WAVE_SIZE " + std::to_string(wave) + "\n" +
         codegen::WithPrelude(codegen::KernelDialect::kHip, body);
}

class EmuKernelTest : public ::testing::Test {
 protected:
  // Builds the kernel `name` from `body` (uncached) and returns it; its library stays loaded
  // until the test ends.
  const EmuKernel* Build(const std::string& name, const std::string& body, int wave = 32) {
    absl::StatusOr<std::string> source = EmuKernelSource(name, Complete(body, wave));
    EXPECT_TRUE(source.ok()) << source.status();
    if (!source.ok()) return nullptr;
    EmuBuildOptions options;
    options.cache_dir = "-";
    std::vector<hip::KernelSource> kernels = {{name, *source}};
    auto modules = EmuModules::Build(kernels, options);
    EXPECT_TRUE(modules.ok()) << modules.status();
    if (!modules.ok()) return nullptr;
    modules_.push_back(*std::move(modules));
    return &modules_.back()->kernel(0);
  }

  std::vector<std::unique_ptr<EmuModules>> modules_;
};

TEST_F(EmuKernelTest, TheSourceNeedsItsWaveSize) {
  auto wave = KernelWaveSize(Complete("", 64));
  ASSERT_TRUE(wave.ok()) << wave.status();
  EXPECT_EQ(*wave, 64);
  const std::string no_wave =
      codegen::WithPrelude(codegen::KernelDialect::kCuda, "RF_KERNEL void k() {}\n");
  EXPECT_FALSE(KernelWaveSize(no_wave).ok());
  EXPECT_FALSE(EmuKernelSource("k", no_wave).ok());
  auto source = EmuKernelSource("k", Complete("RF_KERNEL void k() {}\n", 32));
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_NE(source->find("ROCmForge prelude: CPU emulator"), std::string::npos);
  EXPECT_NE(source->find("#line 1 \"k\"\nRF_KERNEL void k() {}\n\nRF_EMU_ENTRY(k)\n"),
            std::string::npos);
}

constexpr char kAxpb[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(256) void axpb(const f32* RF_RESTRICT x, f32* RF_RESTRICT y, f32 a,
                                          f32 b, i32 n) {
  const i32 i = (i32)(rf_block_x() * 256 + rf_thread_x());
  if (i < n) y[i] = a * x[i] + b;
}
)";

TEST_F(EmuKernelTest, LaunchesWithPointerAndScalarArguments) {
  const EmuKernel* k = Build("axpb", kAxpb);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->params, 5);
  const int n = 1000;
  std::vector<float> x(n), y(n, -1.0f);
  for (int i = 0; i < n; ++i) x[i] = 0.25f * static_cast<float>(i % 97);
  float* px = x.data();
  float* py = y.data();
  float a = 2.0f, b = 1.0f;
  int count = n;
  void* args[] = {&px, &py, &a, &b, &count};
  Launcher launcher(32);
  ASSERT_TRUE(launcher.Launch(k->entry, args, {(n + 255) / 256, 1}, 256, "axpb").ok());
  for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], 2.0f * x[i] + 1.0f) << i;
  EXPECT_FALSE(launcher.Launch(k->entry, args, {0, 1}, 256, "axpb").ok()) << "an empty grid";
  EXPECT_FALSE(launcher.Launch(k->entry, args, {1, 1}, 2048, "axpb").ok()) << "a block too big";
}

constexpr char kConversions[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(256) void conversions(const f32* RF_RESTRICT f, f32* RF_RESTRICT h2f,
                                                 u16* RF_RESTRICT f2h, f32* RF_RESTRICT bf2f) {
  const u32 i = rf_block_x() * 256 + rf_thread_x();  // 65536 threads: every 16-bit pattern
  h2f[i] = rf_half_to_f32((u16)i);
  bf2f[i] = rf_bf16_to_f32((u16)i);
  f2h[i] = rf_f32_to_half(f[i]);
}
)";

bool SameBits(float a, float b) {
  return std::memcmp(&a, &b, sizeof(float)) == 0;
}

TEST_F(EmuKernelTest, HalfAndBf16ConversionsAreBitExactWithTheCpu) {
  const EmuKernel* k = Build("conversions", kConversions);
  ASSERT_NE(k, nullptr);
  const int n = 65536;
  std::vector<float> in(n), h2f(n), bf2f(n);
  std::vector<uint16_t> f2h(n);
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    const float h = F16ToF32(static_cast<uint16_t>(i)),
                next = F16ToF32(static_cast<uint16_t>(i + 1));
    in[i] = i % 3 == 0   ? h
            : i % 3 == 1 ? 0.5f * (h + next)
                         : std::ldexp(static_cast<float>(rng()) / 4294967296.0f - 0.5f,
                                      static_cast<int>(rng() % 40) - 25);
  }
  float* p_in = in.data();
  float* p_h2f = h2f.data();
  uint16_t* p_f2h = f2h.data();
  float* p_bf2f = bf2f.data();
  void* args[] = {&p_in, &p_h2f, &p_f2h, &p_bf2f};
  Launcher launcher(32);
  ASSERT_TRUE(launcher.Launch(k->entry, args, {n / 256, 1}, 256, "conversions").ok());
  int mismatches = 0;
  for (int i = 0; i < n && mismatches < 10; ++i) {
    const uint16_t bits = static_cast<uint16_t>(i);
    if (!SameBits(h2f[i], F16ToF32(bits))) ++mismatches, ADD_FAILURE() << "half->f32 " << i;
    if (!SameBits(bf2f[i], Bf16ToF32(bits))) ++mismatches, ADD_FAILURE() << "bf16->f32 " << i;
    if (f2h[i] != F32ToF16(in[i])) ++mismatches, ADD_FAILURE() << "f32->half of " << in[i];
  }
}

constexpr char kShuffles[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(64) void shuffles(i32* RF_RESTRICT out) {
  const i32 lane = (i32)rf_thread_x();
  const f32 v = (f32)(lane * 10);
  out[0 * 64 + lane] = rf_shfl_xor(lane, 5, 8);
  out[1 * 64 + lane] = rf_shfl_xor(lane, 16, 32);
  out[2 * 64 + lane] = rf_shfl_down(lane, 3u, 16);
  out[3 * 64 + lane] = (i32)rf_shfl_down(v, 1u, RF_WAVE_SIZE);
  out[4 * 64 + lane] = (i32)rf_lane_id();
  out[5 * 64 + lane] = rf_shfl_xor(lane, 8, 8);  // reaches into the next group: own value
}
)";

TEST_F(EmuKernelTest, ShufflesFollowHipSemanticsInWavesOf32And64) {
  for (int wave : {32, 64}) {
    const EmuKernel* k = Build("shuffles", kShuffles, wave);
    ASSERT_NE(k, nullptr);
    std::vector<int32_t> got(6 * 64, -1);
    int32_t* out = got.data();
    void* args[] = {&out};
    Launcher launcher(wave);
    absl::Status s = launcher.Launch(k->entry, args, {1, 1}, 64, "shuffles");
    ASSERT_TRUE(s.ok()) << s;
    auto xor_model = [](int lane, int mask, int width) {
      int idx = lane ^ mask;
      return idx >= ((lane + width) & ~(width - 1)) ? lane : idx;
    };
    auto down_model = [](int lane, int delta, int width) {
      return (lane & (width - 1)) + delta >= width ? lane : lane + delta;
    };
    for (int lane = 0; lane < 64; ++lane) {
      const int in_wave = lane % wave, wave_base = lane - in_wave;
      EXPECT_EQ(got[0 * 64 + lane], wave_base + xor_model(in_wave, 5, 8)) << lane;
      EXPECT_EQ(got[1 * 64 + lane], wave_base + xor_model(in_wave, 16, 32)) << lane;
      EXPECT_EQ(got[2 * 64 + lane], wave_base + down_model(in_wave, 3, 16)) << lane;
      EXPECT_EQ(got[3 * 64 + lane], 10 * (wave_base + down_model(in_wave, 1, wave))) << lane;
      EXPECT_EQ(got[4 * 64 + lane], in_wave) << lane;
      EXPECT_EQ(got[5 * 64 + lane], wave_base + xor_model(in_wave, 8, 8)) << lane;
    }
  }
}

// Block sums through shared memory: every block's threads write, barrier, thread 0 adds up. The
// threads past `n` return before the barrier, which must not wait for them.
constexpr char kBlockSum[] = R"(
constexpr i32 NT = 128;
RF_KERNEL RF_LAUNCH_BOUNDS(NT) void block_sum(const f32* RF_RESTRICT x, f32* RF_RESTRICT out,
                                              i32 n) {
  RF_SHARED f32 part[NT];
  const i32 t = (i32)rf_thread_x();
  const i32 i = (i32)(rf_block_y() * 4 + rf_block_x()) * NT + t;
  part[t] = 0.0f;
  rf_barrier();
  if (i >= n) return;
  part[t] = x[i] * 2.0f;
  rf_barrier();
  if (t == 0) {
    f32 s = 0.0f;
    for (i32 j = 0; j < NT; ++j) s += part[j];
    out[rf_block_y() * 4 + rf_block_x()] = s;
  }
  rf_barrier();
  part[t] = -1.0f;  // garbage for the next block to overwrite
}
)";

TEST_F(EmuKernelTest, BarriersShareMemoryAndLetReturnedThreadsGo) {
  const EmuKernel* k = Build("block_sum", kBlockSum);
  ASSERT_NE(k, nullptr);
  const int n = 7 * 128 + 50;  // the last block is partly empty
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i) x[i] = static_cast<float>(i % 13);
  std::vector<float> out(8, -5.0f);
  float* px = x.data();
  float* po = out.data();
  int count = n;
  void* args[] = {&px, &po, &count};
  Launcher launcher(32);
  for (int rep = 0; rep < 3; ++rep) {  // the fibers are reused
    absl::Status s = launcher.Launch(k->entry, args, {4, 2}, 128, "block_sum");
    ASSERT_TRUE(s.ok()) << s;
    for (int b = 0; b < 8; ++b) {
      float want = 0;
      for (int i = b * 128; i < std::min(n, (b + 1) * 128); ++i) want += 2.0f * x[i];
      EXPECT_EQ(out[b], want) << "block " << b;
    }
  }
}

constexpr char kShuffleFromReturnedLane[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(32) void departed(i32* RF_RESTRICT out) {
  const i32 lane = (i32)rf_thread_x();
  if (lane >= 16) return;
  out[lane] = rf_shfl_xor(lane, 16, 32);  // lanes 16..31 have returned
}
)";

TEST_F(EmuKernelTest, AShuffleFromAReturnedLaneIsAnError) {
  const EmuKernel* k = Build("departed", kShuffleFromReturnedLane);
  ASSERT_NE(k, nullptr);
  std::vector<int32_t> out(32);
  int32_t* po = out.data();
  void* args[] = {&po};
  Launcher launcher(32);
  absl::Status s = launcher.Launch(k->entry, args, {1, 1}, 32, "departed");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("has returned"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("departed"), absl::string_view::npos) << s;
}

// Lane 0 of each wave waits at the barrier while the others wait at a shuffle that needs lane 0.
constexpr char kDeadlock[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(64) void deadlock(i32* RF_RESTRICT out) {
  const i32 lane = (i32)rf_lane_id();
  if (lane == 0) {
    rf_barrier();
  } else {
    out[lane] = rf_shfl_xor(lane, 1, 32);
  }
}
)";

TEST_F(EmuKernelTest, ADeadlockIsAnErrorThatSaysWhereTheThreadsWait) {
  const EmuKernel* k = Build("deadlock", kDeadlock);
  ASSERT_NE(k, nullptr);
  std::vector<int32_t> out(64);
  int32_t* po = out.data();
  void* args[] = {&po};
  Launcher launcher(32);
  absl::Status s = launcher.Launch(k->entry, args, {1, 1}, 64, "deadlock");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("deadlocks"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("threads 0..0 at rf_barrier, threads 1..31 at a shuffle"),
            absl::string_view::npos)
      << s;
  // The launcher is still usable: the abandoned threads start afresh.
  const EmuKernel* axpb = Build("axpb", kAxpb);
  ASSERT_NE(axpb, nullptr);
  std::vector<float> x(64, 1.0f), y(64);
  float* px = x.data();
  float* py = y.data();
  float a = 3.0f, b = 0.5f;
  int n = 64;
  void* args2[] = {&px, &py, &a, &b, &n};
  ASSERT_TRUE(launcher.Launch(axpb->entry, args2, {1, 1}, 64, "axpb").ok());
  EXPECT_EQ(y[63], 3.5f);
}

// Without a barrier between the write and the read of shared memory, thread t reads what thread
// t + 1 wrote only if t + 1 ran first: the reverse schedule shows the race.
constexpr char kRace[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(32) void race(i32* RF_RESTRICT out) {
  RF_SHARED i32 s[33];
  const i32 t = (i32)rf_thread_x();
  s[t] = 0;
  s[32] = 0;
  rf_barrier();
  s[t] = t + 1;
  out[t] = s[t + 1];  // missing rf_barrier() before this read
}
)";

TEST_F(EmuKernelTest, TheReverseScheduleShowsAMissingBarrier) {
  const EmuKernel* k = Build("race", kRace);
  ASSERT_NE(k, nullptr);
  std::vector<int32_t> forward(32), reverse(32);
  for (auto [schedule, out] :
       {std::pair{Schedule::kForward, &forward}, std::pair{Schedule::kReverse, &reverse}}) {
    int32_t* po = out->data();
    void* args[] = {&po};
    Launcher launcher(32, schedule);
    ASSERT_TRUE(launcher.Launch(k->entry, args, {1, 1}, 32, "race").ok());
  }
  EXPECT_EQ(forward[0], 0) << "thread 1 has not written yet";
  EXPECT_EQ(reverse[0], 2) << "thread 1 ran first";
}

#if defined(__SANITIZE_ADDRESS__)
// Built with AddressSanitizer, the kernels are instrumented too (emu_module.h).
TEST_F(EmuKernelTest, AnOutOfBoundsReadIsCaughtInTheKernel) {
  const EmuKernel* k = Build("axpb", kAxpb);
  ASSERT_NE(k, nullptr);
  std::vector<float> x(100), y(101);
  float* px = x.data();
  float* py = y.data();
  float a = 1.0f, b = 0.0f;
  int n = 101;  // one past x
  void* args[] = {&px, &py, &a, &b, &n};
  EXPECT_DEATH(
      {
        Launcher launcher(32);
        (void)launcher.Launch(k->entry, args, {1, 1}, 256, "axpb");
      },
      "heap-buffer-overflow(.|\n)*in axpb .*/axpb:5");  // line 5 of the kernel's source
}
#endif

TEST_F(EmuKernelTest, ACompileErrorNamesTheKernelAndTheLine) {
  absl::StatusOr<std::string> source =
      EmuKernelSource("broken", Complete("RF_KERNEL void broken() {\n  undeclared = 1;\n}\n", 32));
  ASSERT_TRUE(source.ok());
  EmuBuildOptions options;
  options.cache_dir = "-";
  std::vector<hip::KernelSource> kernels = {{"broken", *source}};
  auto modules = EmuModules::Build(kernels, options);
  ASSERT_FALSE(modules.ok());
  EXPECT_NE(modules.status().message().find("broken"), absl::string_view::npos);
  EXPECT_NE(modules.status().message().find("broken:2:"), absl::string_view::npos)
      << "line 2 of the body: " << modules.status();
}

}  // namespace
}  // namespace rf::emu
