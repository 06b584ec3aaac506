// rf-hip-smoke: the GPU runtime end to end on a real device, in one run, with a readable log.
// What scripts/gpu/smoke.sh runs on the H100 (through the HIP-to-CUDA shim) and what a user with an
// AMD GPU can run to see that HIP and hipRTC work:
//
//   device query -> ONE device allocation (the arena) -> kernels of tests/kernels/ compiled with
//   hipRTC (NVRTC) into a fresh on-disk cache (cold), then again (warm: all from the cache) ->
//   GEMV and RMS norm launched and checked against the CPU -> both captured into a graph and
//   replayed 1000 times (same results, time per replay) -> device copy bandwidth.
//
//   rf-hip-smoke [--kernels DIR] [--cache-dir DIR]      exit 0 pass, 1 fail, 2 no GPU
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "codegen/prelude.h"
#include "runtime/hip/device.h"
#include "runtime/hip/hip_status.h"
#include "runtime/hip/kernel_compiler.h"
#include "runtime/hip/memory.h"
#include "runtime/hip/module.h"
#include "runtime/hip/stream.h"
#include "support/atomic_file.h"
#include "support/format.h"
#include "support/half.h"
#include "tools/cli.h"

namespace rf::hip {
namespace {

// Shapes the test kernels were written for (tests/kernels/gemv_f16.hip, rms_norm.hip).
constexpr int kRows = 896, kCols = 896, kGemvThreads = 128;
constexpr int kNormN = 4096, kNormThreads = 256;
constexpr int kReplays = 1000;

int failures = 0;

void Check(bool ok, const std::string& what) {
  std::printf("  %s  %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

absl::Status Run(const std::string& kernels_dir, std::string cache_dir) {
  std::printf("== device (%s)\n", kBackendName);
  RF_ASSIGN_OR_RETURN(Device device, Device::Open(0));
  const DeviceInfo& info = device.info();
  RF_ASSIGN_OR_RETURN(DeviceMemory memory, device.QueryMemory());
  std::printf(
      "  %s\n  runtime %d, driver %d; %s free of %s; peak bandwidth from clocks %.0f GB/s\n",
      info.Describe().c_str(), info.runtime_version, info.driver_version,
      HumanBytes(memory.free).c_str(), HumanBytes(memory.total).c_str(),
      info.peak_bandwidth() / 1e9);

  // ONE allocation for everything: weights, activations and the bandwidth test's two halves.
  const size_t copy_bytes = size_t{1} << 30;
  const size_t w_off = 0, x_off = w_off + size_t{kRows} * kCols * 2, y_off = x_off + kCols * 4;
  const size_t nx_off = y_off + kRows * 4, nw_off = nx_off + kNormN * 4,
               nout_off = nw_off + kNormN * 4;
  const size_t copy_off = (nout_off + kNormN * 2 + 255) / 256 * 256;
  const size_t arena_bytes = copy_off + 2 * copy_bytes;
  std::printf("== one allocation\n");
  const uint64_t allocations_before = DeviceAllocationCount();
  RF_ASSIGN_OR_RETURN(DeviceBuffer arena, DeviceBuffer::Allocate(arena_bytes));
  char* base = static_cast<char*>(arena.data());
  Check(DeviceAllocationCount() - allocations_before == 1,
        absl::StrFormat("arena of %s, device allocations: %d", HumanBytes(arena_bytes),
                        DeviceAllocationCount() - allocations_before));

  std::printf("== kernels: hipRTC for %s, cache in %s\n", info.arch.c_str(), cache_dir.c_str());
  std::vector<KernelSource> kernels;
  const auto dialect = codegen::DialectForArch(info.arch);
  for (const auto& [file, entry] :
       {std::pair{"gemv_f16.hip", "gemv_f16"}, std::pair{"rms_norm.hip", "rms_norm_f16_out"}}) {
    RF_ASSIGN_OR_RETURN(std::string body, ReadFileToString(kernels_dir + "/" + file));
    kernels.push_back({entry, codegen::WithPrelude(dialect, body)});
  }
  std::vector<std::string> options = DefaultKernelOptions();
  options.push_back(absl::StrFormat("-DRF_WAVE_SIZE=%d", info.warp_size));
  RF_ASSIGN_OR_RETURN(KernelCompiler compiler, KernelCompiler::Create(info.arch, options));
  RF_ASSIGN_OR_RETURN(KernelCache cache, KernelCache::Open(cache_dir));
  KernelBuildStats cold, warm;
  RF_ASSIGN_OR_RETURN(auto codes, BuildKernels(kernels, {compiler.target(), &cache, 0},
                                               compiler.AsFunction(), &cold));
  RF_ASSIGN_OR_RETURN(auto again, BuildKernels(kernels, {compiler.target(), &cache, 0},
                                               compiler.AsFunction(), &warm));
  std::printf("  compiler: %s\n", compiler.target().compiler_version.c_str());
  Check(cold.compiled == 2,
        absl::StrFormat("cold: %d compiled in %.3f s (%.3f s of compiler time)", cold.compiled,
                        cold.wall_seconds, cold.compile_seconds));
  Check(warm.cached == 2 && again == codes,
        absl::StrFormat("warm: %d from the cache in %.4f s", warm.cached, warm.wall_seconds));
  RF_ASSIGN_OR_RETURN(Module gemv_module, Module::Load(codes[0], "gemv_f16"));
  RF_ASSIGN_OR_RETURN(Module norm_module, Module::Load(codes[1], "rms_norm_f16_out"));
  RF_ASSIGN_OR_RETURN(hipFunction_t gemv, gemv_module.Function("gemv_f16"));
  RF_ASSIGN_OR_RETURN(hipFunction_t norm, norm_module.Function("rms_norm_f16_out"));

  // Inputs.
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::vector<uint16_t> w(size_t{kRows} * kCols);
  std::vector<float> x(kCols), nx(kNormN), nw(kNormN);
  for (auto& v : w) v = F32ToF16(uni(rng));
  for (auto& v : x) v = uni(rng);
  for (auto& v : nx) v = 3.0f * uni(rng);
  for (auto& v : nw) v = 1.0f + 0.1f * uni(rng);
  RF_HIP_RETURN_IF_ERROR(hipMemcpy(base + w_off, w.data(), w.size() * 2, hipMemcpyHostToDevice));
  RF_HIP_RETURN_IF_ERROR(hipMemcpy(base + x_off, x.data(), x.size() * 4, hipMemcpyHostToDevice));
  RF_HIP_RETURN_IF_ERROR(hipMemcpy(base + nx_off, nx.data(), nx.size() * 4, hipMemcpyHostToDevice));
  RF_HIP_RETURN_IF_ERROR(hipMemcpy(base + nw_off, nw.data(), nw.size() * 4, hipMemcpyHostToDevice));

  // CPU references.
  std::vector<double> y_ref(kRows), y_mag(kRows);
  for (int r = 0; r < kRows; ++r) {
    for (int c = 0; c < kCols; ++c) {
      const double p = double(F16ToF32(w[static_cast<size_t>(r) * kCols + c])) * x[c];
      y_ref[r] += p;
      y_mag[r] += std::fabs(p);
    }
  }
  double ss = 0;
  for (float v : nx) ss += double(v) * v;
  const double scale = 1.0 / std::sqrt(ss / kNormN + 1e-6);

  RF_ASSIGN_OR_RETURN(Stream stream, Stream::Create());
  void* w_ptr = base + w_off;
  void* x_ptr = base + x_off;
  void* y_ptr = base + y_off;
  void* nx_ptr = base + nx_off;
  void* nw_ptr = base + nw_off;
  void* nout_ptr = base + nout_off;
  void* gemv_args[] = {&w_ptr, &x_ptr, &y_ptr};
  void* norm_args[] = {&nx_ptr, &nw_ptr, &nout_ptr};
  const unsigned rows_per_block = kGemvThreads / info.warp_size;
  const Dim3 gemv_grid{(kRows + rows_per_block - 1) / rows_per_block};
  auto launch_both = [&]() -> absl::Status {
    RF_RETURN_IF_ERROR(
        LaunchKernel(norm, {1}, {kNormThreads}, 0, stream.get(), norm_args, "rms_norm_f16_out"));
    return LaunchKernel(gemv, gemv_grid, {kGemvThreads}, 0, stream.get(), gemv_args, "gemv_f16");
  };
  auto read_results = [&](std::vector<float>& y, std::vector<uint16_t>& out) -> absl::Status {
    RF_RETURN_IF_ERROR(stream.Synchronize());
    y.resize(kRows);
    out.resize(kNormN);
    RF_HIP_RETURN_IF_ERROR(hipMemcpy(y.data(), y_ptr, kRows * 4, hipMemcpyDeviceToHost));
    RF_HIP_RETURN_IF_ERROR(hipMemcpy(out.data(), nout_ptr, kNormN * 2, hipMemcpyDeviceToHost));
    return absl::OkStatus();
  };

  std::printf("== launches, checked against the CPU\n");
  RF_RETURN_IF_ERROR(launch_both());
  std::vector<float> y;
  std::vector<uint16_t> out;
  RF_RETURN_IF_ERROR(read_results(y, out));
  double worst = 0;
  for (int r = 0; r < kRows; ++r) worst = std::max(worst, std::fabs(y[r] - y_ref[r]) / y_mag[r]);
  Check(worst < 1e-4,
        absl::StrFormat("gemv_f16 %dx%d: max |gpu - cpu| / sum|w*x| = %.2e", kRows, kCols, worst));
  int worst_ulp = 0;
  for (int i = 0; i < kNormN; ++i) {
    const int want = F32ToF16(static_cast<float>(nx[i] * scale * nw[i]));
    worst_ulp = std::max(worst_ulp, std::abs(int(out[i]) - want));
  }
  Check(worst_ulp <= 1,
        absl::StrFormat("rms_norm_f16_out n=%d: max difference %d half ulp", kNormN, worst_ulp));

  std::printf("== graph: capture both launches, replay %d times\n", kReplays);
  RF_HIP_RETURN_IF_ERROR(hipMemsetAsync(y_ptr, 0, kRows * 4, stream.get()));
  RF_HIP_RETURN_IF_ERROR(hipMemsetAsync(nout_ptr, 0, kNormN * 2, stream.get()));
  RF_RETURN_IF_ERROR(stream.Synchronize());
  RF_RETURN_IF_ERROR(Graph::BeginCapture(stream.get()));
  RF_RETURN_IF_ERROR(launch_both());
  RF_ASSIGN_OR_RETURN(Graph graph, Graph::EndCapture(stream.get()));
  RF_ASSIGN_OR_RETURN(Event start, Event::Create());
  RF_ASSIGN_OR_RETURN(Event stop, Event::Create());
  RF_RETURN_IF_ERROR(graph.Launch(stream.get()));  // warm-up
  RF_RETURN_IF_ERROR(start.Record(stream.get()));
  for (int i = 0; i < kReplays; ++i) RF_RETURN_IF_ERROR(graph.Launch(stream.get()));
  RF_RETURN_IF_ERROR(stop.Record(stream.get()));
  RF_RETURN_IF_ERROR(stop.Synchronize());
  RF_ASSIGN_OR_RETURN(float graph_ms, stop.MillisecondsSince(start));
  std::vector<float> y_graph;
  std::vector<uint16_t> out_graph;
  RF_RETURN_IF_ERROR(read_results(y_graph, out_graph));
  Check(graph.node_count() == 2 && y_graph == y && out_graph == out,
        absl::StrFormat("%zu nodes; replayed results identical to direct launches; %.2f us per "
                        "replay",
                        graph.node_count(), 1000.0 * graph_ms / kReplays));
  // The same two launches without the graph, for comparison.
  RF_RETURN_IF_ERROR(start.Record(stream.get()));
  for (int i = 0; i < kReplays; ++i) RF_RETURN_IF_ERROR(launch_both());
  RF_RETURN_IF_ERROR(stop.Record(stream.get()));
  RF_RETURN_IF_ERROR(stop.Synchronize());
  RF_ASSIGN_OR_RETURN(float direct_ms, stop.MillisecondsSince(start));
  std::printf("  direct launches: %.2f us per pair\n", 1000.0 * direct_ms / kReplays);

  std::printf("== device copy bandwidth\n");
  RF_HIP_RETURN_IF_ERROR(hipMemcpyAsync(base + copy_off + copy_bytes, base + copy_off, copy_bytes,
                                        hipMemcpyDeviceToDevice, stream.get()));
  RF_RETURN_IF_ERROR(start.Record(stream.get()));
  constexpr int kCopies = 10;
  for (int i = 0; i < kCopies; ++i) {
    RF_HIP_RETURN_IF_ERROR(hipMemcpyAsync(base + copy_off + copy_bytes, base + copy_off, copy_bytes,
                                          hipMemcpyDeviceToDevice, stream.get()));
  }
  RF_RETURN_IF_ERROR(stop.Record(stream.get()));
  RF_RETURN_IF_ERROR(stop.Synchronize());
  RF_ASSIGN_OR_RETURN(float copy_ms, stop.MillisecondsSince(start));
  std::printf("  %s device-to-device: %.0f GB/s (read + write)\n", HumanBytes(copy_bytes).c_str(),
              2.0 * copy_bytes * kCopies / (copy_ms / 1e3) / 1e9);
  Check(DeviceAllocationCount() - allocations_before == 1,
        absl::StrFormat("device allocations in the whole run: %d",
                        DeviceAllocationCount() - allocations_before));
  return absl::OkStatus();
}

}  // namespace
}  // namespace rf::hip

int main(int argc, char** argv) {
  const std::vector<rf::cli::FlagSpec> flags = {
      {"kernels", true, "folder of the test kernels (default: the source tree's tests/kernels)"},
      {"cache-dir", true, "where to make the fresh kernel cache of this run (default: /tmp)"},
      {"help", false, "this message"},
  };
  int exit_code = 0;
  auto args =
      rf::cli::ParseCommand(argc, argv, 1, flags, {"rf-hip-smoke", "[flags]", 0, 0}, &exit_code);
  if (!args) return exit_code;
  const std::string kernels = args->GetOr("kernels", std::string(RF_SOURCE_DIR) + "/tests/kernels");
  // A fresh cache folder, so that the first build is cold.
  const std::string parent = args->GetOr("cache-dir", "/tmp");
  if (auto made = rf::hip::KernelCache::Open(parent); !made.ok()) {
    std::fprintf(stderr, "rf-hip-smoke: %s\n", std::string(made.status().message()).c_str());
    return 2;
  }
  std::string tmpl = parent + "/rf-smoke-cache-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    std::fprintf(stderr, "rf-hip-smoke: cannot create a cache folder under %s\n", parent.c_str());
    return 2;
  }
  absl::Status status = rf::hip::Run(kernels, tmpl);
  if (!status.ok()) {
    std::printf("\nrf-hip-smoke: %s\n", std::string(status.message()).c_str());
    return status.code() == absl::StatusCode::kUnavailable ? 2 : 1;
  }
  std::printf("\n%s\n", rf::hip::failures == 0 ? "PASS" : "FAIL");
  return rf::hip::failures == 0 ? 0 : 1;
}
