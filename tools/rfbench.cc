// rfbench MODEL.plan [-p 512] [-n 128] [-r 3] [--backend hip|cpu|emu] [--json]: the speed of a
// plan, measured the way llama-bench measures llama.cpp (pp: one prefill step of p tokens; tg: n
// decode steps of one token from an empty context), each repeated r times; median and spread. Also
// the load split (read, upload, kernel compile cold and warm), the arena by region, the device
// allocations, and decode's share of the memory-bandwidth roofline: weight bytes per token over
// the measured device copy bandwidth (bytes read plus written). `--backend emu` runs a GPU plan's
// kernels on the CPU emulator (runtime/emu): its speed says how long the emulator tests take, not
// how fast anything runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/emu/emu_backend.h"
#include "runtime/plan/plan.h"
#include "support/format.h"
#include "tools/cli.h"
#ifdef RF_HAVE_HIP_BACKEND
#include "runtime/hip/hip_backend.h"
#endif

namespace rf {
namespace {

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

struct Stat {
  double median = 0, min = 0, max = 0;
};
Stat Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "rfbench: %s\n", std::string(s.message()).c_str());
  return 1;
}

int Main(int argc, char** argv) {
  const std::vector<cli::FlagSpec> flags = {
      {"p", true, "prompt tokens for the prefill test (default 512)"},
      {"n", true, "tokens for the decode test (default 128)"},
      {"r", true, "repetitions (default 3)"},
      {"backend", true, "hip, cpu or emu (default: hip when there is a GPU)"},
      {"threads", true, "cpu backend threads (default: all)"},
      {"json", false, "print one JSON object instead of the table"},
      {"profile", false, "after the benchmark, time every kernel of one pp and tg run (hip)"},
      {"help", false, "show this help"},
  };
  int exit_code = 0;
  auto args =
      cli::ParseCommand(argc, argv, 1, flags, {"rfbench", "MODEL.plan [flags]", 1, 1}, &exit_code);
  if (!args) return exit_code;
  auto p = args->GetInt("p", 512), n = args->GetInt("n", 128), r = args->GetInt("r", 3),
       threads = args->GetInt("threads", 0);
  if (!p.ok() || !n.ok() || !r.ok() || !threads.ok() || *r < 1) {
    std::fprintf(stderr, "rfbench: -p, -n, -r and --threads take positive integers\n");
    return 2;
  }
  std::string backend_name = args->GetOr("backend", "");
#ifdef RF_HAVE_HIP_BACKEND
  if (backend_name.empty()) backend_name = hip::HipBackendAvailable() ? "hip" : "cpu";
#else
  if (backend_name.empty()) backend_name = "cpu";
  if (backend_name == "hip") return Fail(absl::UnimplementedError("this build has no hip backend"));
#endif
  const std::string path = args->positional()[0];
  const auto t0 = std::chrono::steady_clock::now();
  auto file = plan::PlanFile::Open(path);
  if (!file.ok()) return Fail(file.status());
  std::shared_ptr<const plan::PlanFile> plan(*std::move(file));
  const double read_ms = Ms(t0, std::chrono::steady_clock::now());

  // Load (twice on the GPU: a cold kernel cache, then a warm one).
  std::unique_ptr<Backend> backend;
  double cold_compile_ms = 0, warm_compile_ms = 0, bandwidth = 0;
  if (backend_name == "cpu" || backend_name == "emu") {
    if (backend_name == "cpu") {
      auto b = cpu::CreateCpuBackend(plan, static_cast<int>(*threads));
      if (!b.ok()) return Fail(b.status());
      backend = *std::move(b);
    } else {
      char tmpl[] = "/tmp/rfbench-cache-XXXXXX";
      emu::EmuBackendOptions options;
      options.build.cache_dir = mkdtemp(tmpl);
      {
        auto cold = emu::CreateEmuBackend(plan, options);
        if (!cold.ok()) return Fail(cold.status());
        cold_compile_ms = (*cold)->load_stats().compile_ms;
      }
      auto b = emu::CreateEmuBackend(plan, options);
      if (!b.ok()) return Fail(b.status());
      warm_compile_ms = (*b)->load_stats().compile_ms;
      backend = *std::move(b);
    }
    // Host copy bandwidth over 1 GiB, read plus written.
    const size_t bytes = size_t{1} << 30;
    std::vector<uint8_t> a(bytes, 1), c(bytes);
    const auto s = std::chrono::steady_clock::now();
    std::memcpy(c.data(), a.data(), bytes);
    bandwidth = 2.0 * bytes / (Ms(s, std::chrono::steady_clock::now()) / 1e3);
  } else if (backend_name == "hip") {
#ifdef RF_HAVE_HIP_BACKEND
    char tmpl[] = "/tmp/rfbench-cache-XXXXXX";
    hip::HipBackendOptions options;
    options.cache_dir = mkdtemp(tmpl);
    {
      auto cold = hip::CreateHipBackend(plan, options);
      if (!cold.ok()) return Fail(cold.status());
      cold_compile_ms = (*cold)->load_stats().compile_ms;
    }
    auto b = hip::CreateHipBackend(plan, options);
    if (!b.ok()) return Fail(b.status());
    warm_compile_ms = (*b)->load_stats().compile_ms;
    backend = *std::move(b);
    auto bw = hip::MeasureCopyBandwidth(size_t{1} << 30);
    if (!bw.ok()) return Fail(bw.status());
    bandwidth = *bw;
#endif
  } else {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("unknown backend '", backend_name, "' (hip, cpu or emu)")));
  }
  const LoadStats& ls = backend->load_stats();
  const int64_t prompt = std::min<int64_t>(*p, backend->max_batch());
  const int64_t gen = std::min<int64_t>(*n, backend->max_context());
  std::mt19937 rng(1234);
  std::vector<int32_t> tokens(prompt);
  for (int32_t& t : tokens) t = static_cast<int32_t>(rng() % backend->n_vocab());

  std::vector<double> pp, tg;
  for (int64_t rep = 0; rep <= *r; ++rep) {  // rep 0 warms up (graph capture, caches)
    auto s = std::chrono::steady_clock::now();
    if (prompt > 0) {
      auto out = backend->Step(tokens, 0);
      if (!out.ok()) return Fail(out.status());
    }
    const double pp_ms = Ms(s, std::chrono::steady_clock::now());
    s = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < gen; ++i) {
      auto out = backend->Step(std::vector<int32_t>{tokens[i % tokens.size()]}, i);
      if (!out.ok()) return Fail(out.status());
    }
    const double tg_ms = Ms(s, std::chrono::steady_clock::now());
    if (rep == 0) continue;
    if (prompt > 0) pp.push_back(prompt / (pp_ms / 1e3));
    if (gen > 0) tg.push_back(gen / (tg_ms / 1e3));
  }
  const Stat pps = pp.empty() ? Stat{} : Summarize(pp), tgs = tg.empty() ? Stat{} : Summarize(tg);
#ifdef RF_HAVE_HIP_BACKEND
  if (args->Has("profile") && backend_name == "hip") {
    hip::HipBackendOptions options;
    options.profile = true;
    auto profiled = hip::CreateHipBackend(plan, options);
    if (!profiled.ok()) return Fail(profiled.status());
    if (prompt > 0 && !(*profiled)->Step(tokens, 0).ok()) return 1;
    for (int64_t i = 0; i < gen; ++i) {
      if (!(*profiled)->Step(std::vector<int32_t>{tokens[i % tokens.size()]}, i).ok()) return 1;
    }
  }  // the table prints when the profiled backend goes away
#endif
  const plan::ArenaLayout& a = plan->plan().arena;
  const double roofline_tps = bandwidth / static_cast<double>(a.weights);
  const double share = tgs.median / roofline_tps;
  if (args->Has("json")) {
    std::printf(
        "{\"plan\": \"%s\", \"backend\": \"%s\", \"target\": \"%s\", \"model\": \"%s\", "
        "\"pp\": %lld, \"tg\": %lld, \"reps\": %lld, \"pp_tps\": {\"median\": %.1f, \"min\": %.1f, "
        "\"max\": %.1f}, \"tg_tps\": {\"median\": %.1f, \"min\": %.1f, \"max\": %.1f}, "
        "\"load_ms\": {\"read\": %.1f, \"upload\": %.1f, \"compile_cold\": %.1f, "
        "\"compile_warm\": %.1f}, \"kernels\": %zu, \"arena\": {\"weights\": %llu, \"kv_cache\": "
        "%llu, \"activations\": %llu, \"step_params\": %llu}, \"device_allocations\": %d, "
        "\"copy_bandwidth_gbs\": %.1f, \"roofline_share\": %.4f}\n",
        path.c_str(), backend->name().c_str(), plan->plan().target.c_str(),
        plan->plan().model.name.c_str(), static_cast<long long>(prompt),
        static_cast<long long>(gen), static_cast<long long>(*r), pps.median, pps.min, pps.max,
        tgs.median, tgs.min, tgs.max, read_ms, ls.upload_ms, cold_compile_ms, warm_compile_ms,
        plan->plan().kernels.size(), static_cast<unsigned long long>(a.weights),
        static_cast<unsigned long long>(a.kv_cache), static_cast<unsigned long long>(a.activations),
        static_cast<unsigned long long>(a.step_params), ls.device_allocations, bandwidth / 1e9,
        share);
    return 0;
  }
  std::printf("%s on %s (%s)\n", path.c_str(), backend->name().c_str(),
              plan->plan().target.c_str());
  std::printf(
      "  load: read %.1f ms, upload %.1f ms, kernels %zu (compile cold %.1f ms, warm %.1f ms)\n",
      read_ms, ls.upload_ms, plan->plan().kernels.size(), cold_compile_ms, warm_compile_ms);
  std::printf(
      "  arena %s: weights %s, kv cache %s, activations %s, step params %s; %d device "
      "allocation(s)\n",
      HumanBytes(a.total()).c_str(), HumanBytes(a.weights).c_str(), HumanBytes(a.kv_cache).c_str(),
      HumanBytes(a.activations).c_str(), HumanBytes(a.step_params).c_str(), ls.device_allocations);
  std::printf("  pp%lld: %.1f tok/s (min %.1f, max %.1f)\n", static_cast<long long>(prompt),
              pps.median, pps.min, pps.max);
  std::printf("  tg%lld: %.1f tok/s (min %.1f, max %.1f)\n", static_cast<long long>(gen),
              tgs.median, tgs.min, tgs.max);
  std::printf(
      "  decode roofline: %.0f tok/s (%s of weights per token at %.0f GB/s copy "
      "bandwidth); share %.1f%%\n",
      roofline_tps, HumanBytes(a.weights).c_str(), bandwidth / 1e9, 100 * share);
  return 0;
}

}  // namespace
}  // namespace rf

int main(int argc, char** argv) {
  return rf::Main(argc, argv);
}
