// The HIP runtime on a real GPU (label `gpu`): allocation, compile for the device, launch, graph
// capture and replay, and the prelude's conversions and shuffles against the CPU's. Skips without
// a GPU; with RF_REQUIRE_GPU=1 (the GPU machine's run) a missing GPU fails instead.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "codegen/prelude.h"
#include "gtest/gtest.h"
#include "runtime/hip/device.h"
#include "runtime/hip/hip_status.h"
#include "runtime/hip/kernel_compiler.h"
#include "runtime/hip/memory.h"
#include "runtime/hip/module.h"
#include "runtime/hip/stream.h"
#include "support/half.h"

namespace rf::hip {
namespace {

#define RF_ASSERT_OK(expr)             \
  do {                                 \
    const absl::Status rf_s_ = (expr); \
    ASSERT_TRUE(rf_s_.ok()) << rf_s_;  \
  } while (0)

class GpuTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Device::Count() == 0) {
      const char* req = std::getenv("RF_REQUIRE_GPU");
      if (req != nullptr && std::string(req) == "1") FAIL() << "RF_REQUIRE_GPU=1 but no GPU found";
      GTEST_SKIP() << "no GPU (" << kBackendName << ")";
    }
    auto device = Device::Open(0);
    ASSERT_TRUE(device.ok()) << device.status();
    device_.emplace(std::move(*device));
  }

  // Compiles `body` (prelude dialect) for this device and loads it.
  absl::StatusOr<Module> Build(const std::string& name, const std::string& body) {
    const std::string& arch = device_->info().arch;
    std::vector<std::string> options = DefaultKernelOptions();
    options.push_back("-DRF_WAVE_SIZE=" + std::to_string(device_->info().warp_size));
    RF_ASSIGN_OR_RETURN(KernelCompiler compiler, KernelCompiler::Create(arch, options));
    RF_ASSIGN_OR_RETURN(
        std::string code,
        compiler.Compile({name, codegen::WithPrelude(codegen::DialectForArch(arch), body)}));
    return Module::Load(code, name);
  }

  std::optional<Device> device_;
};

TEST_F(GpuTest, DescribesTheDevice) {
  const DeviceInfo& info = device_->info();
  EXPECT_FALSE(info.name.empty());
  EXPECT_FALSE(info.arch.empty());
  EXPECT_GT(info.total_memory, 0u);
  EXPECT_GT(info.compute_units, 0);
  EXPECT_TRUE(info.warp_size == 32 || info.warp_size == 64);
  auto memory = device_->QueryMemory();
  ASSERT_TRUE(memory.ok()) << memory.status();
  EXPECT_GT(memory->free, 0u);
  EXPECT_LE(memory->free, memory->total);
  std::printf("%s\n", info.Describe().c_str());
}

TEST_F(GpuTest, AllocationIsCountedAndTooMuchIsAClearError) {
  const uint64_t before = DeviceAllocationCount();
  auto buffer = DeviceBuffer::Allocate(64 << 20);
  ASSERT_TRUE(buffer.ok()) << buffer.status();
  EXPECT_EQ(DeviceAllocationCount(), before + 1);
  auto huge = DeviceBuffer::Allocate(size_t{1} << 50);  // 1 PiB
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kResourceExhausted) << huge.status();
  EXPECT_NE(huge.status().message().find("free"), absl::string_view::npos) << huge.status();
}

constexpr char kAxpb[] = R"(
RF_KERNEL RF_LAUNCH_BOUNDS(256) void axpb(const f32* RF_RESTRICT x, f32* RF_RESTRICT y, f32 a,
                                          f32 b, i32 n) {
  const i32 i = (i32)(rf_block_x() * 256 + rf_thread_x());
  if (i < n) y[i] = a * x[i] + b;
}
)";

TEST_F(GpuTest, LaunchesAndReplaysACapturedGraph) {
  auto module = Build("axpb", kAxpb);
  ASSERT_TRUE(module.ok()) << module.status();
  auto f = module->Function("axpb");
  ASSERT_TRUE(f.ok()) << f.status();
  const int n = 10000;
  std::vector<float> x(n);
  for (int i = 0; i < n; ++i) x[i] = 0.25f * static_cast<float>(i % 97);
  auto arena = DeviceBuffer::Allocate(2 * n * sizeof(float));
  ASSERT_TRUE(arena.ok()) << arena.status();
  float* dx = static_cast<float*>(arena->data());
  float* dy = dx + n;
  RF_ASSERT_OK(
      CheckHip(hipMemcpy(dx, x.data(), n * sizeof(float), hipMemcpyHostToDevice), "hipMemcpy"));
  auto stream = Stream::Create();
  ASSERT_TRUE(stream.ok()) << stream.status();

  float a = 2.0f, b = 1.0f;
  int count = n;
  void* args[] = {&dx, &dy, &a, &b, &count};
  const Dim3 grid{(n + 255) / 256}, block{256};
  RF_ASSERT_OK(LaunchKernel(*f, grid, block, 0, stream->get(), args, "axpb"));
  RF_ASSERT_OK(stream->Synchronize());
  std::vector<float> y(n);
  RF_ASSERT_OK(
      CheckHip(hipMemcpy(y.data(), dy, n * sizeof(float), hipMemcpyDeviceToHost), "hipMemcpy"));
  for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], 2.0f * x[i] + 1.0f) << i;

  // Capture y = 3x - 1 (argument values are copied when captured), replay it twice.
  RF_ASSERT_OK(Graph::BeginCapture(stream->get()));
  a = 3.0f;
  b = -1.0f;
  RF_ASSERT_OK(LaunchKernel(*f, grid, block, 0, stream->get(), args, "axpb"));
  auto graph = Graph::EndCapture(stream->get());
  ASSERT_TRUE(graph.ok()) << graph.status();
  EXPECT_EQ(graph->node_count(), 1u);
  RF_ASSERT_OK(CheckHip(hipMemsetAsync(dy, 0, n * sizeof(float), stream->get()), "hipMemsetAsync"));
  RF_ASSERT_OK(graph->Launch(stream->get()));
  RF_ASSERT_OK(graph->Launch(stream->get()));
  RF_ASSERT_OK(stream->Synchronize());
  RF_ASSERT_OK(
      CheckHip(hipMemcpy(y.data(), dy, n * sizeof(float), hipMemcpyDeviceToHost), "hipMemcpy"));
  for (int i = 0; i < n; ++i) ASSERT_EQ(y[i], 3.0f * x[i] - 1.0f) << i;
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

bool SameFloat(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof(float)) == 0;
}

TEST_F(GpuTest, HalfAndBf16ConversionsMatchTheCpu) {
  auto module = Build("conversions", kConversions);
  ASSERT_TRUE(module.ok()) << module.status();
  auto f = module->Function("conversions");
  ASSERT_TRUE(f.ok()) << f.status();
  const int n = 65536;
  // Floats to round to half: every half value, the midpoints between neighbours, random values.
  std::vector<float> in(n);
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    const float h = F16ToF32(static_cast<uint16_t>(i)),
                next = F16ToF32(static_cast<uint16_t>(i + 1));
    in[i] = i % 3 == 0   ? h
            : i % 3 == 1 ? 0.5f * (h + next)
                         : std::ldexp(static_cast<float>(rng()) / 4294967296.0f - 0.5f,
                                      static_cast<int>(rng() % 40) - 25);
  }
  auto arena = DeviceBuffer::Allocate(n * (4 + 4 + 2 + 4));
  ASSERT_TRUE(arena.ok()) << arena.status();
  char* base = static_cast<char*>(arena->data());
  float* d_in = reinterpret_cast<float*>(base);
  float* d_h2f = d_in + n;
  float* d_bf2f = d_h2f + n;
  uint16_t* d_f2h = reinterpret_cast<uint16_t*>(d_bf2f + n);
  RF_ASSERT_OK(CheckHip(hipMemcpy(d_in, in.data(), n * 4, hipMemcpyHostToDevice), "hipMemcpy"));
  void* args[] = {&d_in, &d_h2f, &d_f2h, &d_bf2f};
  RF_ASSERT_OK(LaunchKernel(*f, {n / 256}, {256}, 0, nullptr, args, "conversions"));
  std::vector<float> h2f(n), bf2f(n);
  std::vector<uint16_t> f2h(n);
  RF_ASSERT_OK(CheckHip(hipMemcpy(h2f.data(), d_h2f, n * 4, hipMemcpyDeviceToHost), "hipMemcpy"));
  RF_ASSERT_OK(CheckHip(hipMemcpy(bf2f.data(), d_bf2f, n * 4, hipMemcpyDeviceToHost), "hipMemcpy"));
  RF_ASSERT_OK(CheckHip(hipMemcpy(f2h.data(), d_f2h, n * 2, hipMemcpyDeviceToHost), "hipMemcpy"));
  int mismatches = 0;
  for (int i = 0; i < n && mismatches < 10; ++i) {
    const uint16_t bits = static_cast<uint16_t>(i);
    if (!SameFloat(h2f[i], F16ToF32(bits))) ++mismatches, ADD_FAILURE() << "half->f32 " << i;
    if (!SameFloat(bf2f[i], Bf16ToF32(bits))) ++mismatches, ADD_FAILURE() << "bf16->f32 " << i;
    const uint16_t want = F32ToF16(in[i]);
    const bool both_nan = (want & 0x7c00) == 0x7c00 && (want & 0x3ff) &&
                          (f2h[i] & 0x7c00) == 0x7c00 && (f2h[i] & 0x3ff);
    if (f2h[i] != want && !both_nan) {
      ++mismatches;
      ADD_FAILURE() << "f32->half of " << in[i] << ": GPU " << f2h[i] << ", CPU " << want;
    }
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

TEST_F(GpuTest, ShufflesFollowHipSemantics) {
  auto module = Build("shuffles", kShuffles);
  ASSERT_TRUE(module.ok()) << module.status();
  auto f = module->Function("shuffles");
  ASSERT_TRUE(f.ok()) << f.status();
  auto out = DeviceBuffer::Allocate(6 * 64 * sizeof(int32_t));
  ASSERT_TRUE(out.ok()) << out.status();
  void* d = out->data();
  void* args[] = {&d};
  RF_ASSERT_OK(LaunchKernel(*f, {1}, {64}, 0, nullptr, args, "shuffles"));
  std::vector<int32_t> got(6 * 64);
  RF_ASSERT_OK(
      CheckHip(hipMemcpy(got.data(), d, got.size() * 4, hipMemcpyDeviceToHost), "hipMemcpy"));
  const int wave = device_->info().warp_size;
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

}  // namespace
}  // namespace rf::hip
