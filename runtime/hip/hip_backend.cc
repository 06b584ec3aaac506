#include "runtime/hip/hip_backend.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/hip/device.h"
#include "runtime/hip/hip_status.h"
#include "runtime/hip/kernel_build.h"
#include "runtime/hip/kernel_cache.h"
#include "runtime/hip/kernel_compiler.h"
#include "runtime/hip/memory.h"
#include "runtime/hip/module.h"
#include "runtime/hip/stream.h"
#include "support/clock.h"
#include "support/debug.h"
#include "support/format.h"
#include "support/status.h"

namespace rf::hip {
namespace {

// One kernel launch of a program: the function, its block, and its arguments (device pointers
// into the arena, then the step scalars and the workspace).
struct Launch {
  hipFunction_t function = nullptr;
  const plan::Kernel* kernel = nullptr;
  std::vector<void*> values;    // the argument values
  std::vector<void*> pointers;  // &values[i], what hipModuleLaunchKernel takes
};

class HipBackend : public Backend {
 public:
  HipBackend(std::shared_ptr<const plan::PlanFile> plan, HipBackendOptions options)
      : plan_(std::move(plan)), options_(std::move(options)) {}
  ~HipBackend() override { PrintProfile(); }

  absl::Status Load();

  std::string name() const override { return name_; }
  const LoadStats& load_stats() const override { return stats_; }
  int64_t max_context() const override { return plan_->plan().model.max_context; }
  int64_t max_batch() const override { return plan_->plan().model.max_batch; }
  int64_t n_vocab() const override { return plan_->plan().model.n_vocab; }
  absl::StatusOr<std::span<const float>> Step(std::span<const int32_t> tokens,
                                              int64_t first_position) override;

 private:
  absl::Status Upload();
  absl::Status BuildModules();
  absl::Status PrepareLaunches(const plan::Program& program, std::vector<Launch>& launches);
  absl::Status Run(std::vector<Launch>& launches, int64_t T);
  void PrintProfile() const;

  // Per kernel name: launches and total milliseconds (options_.profile).
  std::map<std::string, std::pair<int64_t, double>> profile_;

  std::shared_ptr<const plan::PlanFile> plan_;
  HipBackendOptions options_;
  std::string name_ = "hip";
  LoadStats stats_;
  std::optional<Device> device_;
  std::optional<Stream> stream_;
  DeviceBuffer arena_;
  PinnedBuffer params_host_;  // mirror of the step-parameter region
  PinnedBuffer logits_host_;
  std::vector<Module> modules_;
  std::vector<hipFunction_t> functions_;  // per plan kernel
  std::vector<Launch> decode_, prefill_;
  std::optional<Graph> decode_graph_;
  const plan::Binding* tokens_ = nullptr;
  const plan::Binding* positions_ = nullptr;
  const plan::Binding* logits_ = nullptr;
};

absl::Status HipBackend::Load() {
  const plan::Plan& p = plan_->plan();
  RF_ASSIGN_OR_RETURN(Device device, Device::Open(0));
  device_.emplace(std::move(device));
  const DeviceInfo& info = device_->info();
  name_ = absl::StrCat("hip (", info.name, ", ", info.arch_name(), ")");
  if (p.target != info.arch_name()) {
    return absl::FailedPreconditionError(absl::StrCat(
        plan_->name(), ": compiled for target ", p.target, ", but the GPU is ", info.name, " (",
        info.arch_name(), "); recompile with --target ", info.arch_name()));
  }
  tokens_ = plan::FindBinding(p.inputs, "tokens");
  positions_ = plan::FindBinding(p.inputs, "positions");
  logits_ = plan::FindBinding(p.outputs, "logits");
  if (tokens_ == nullptr || positions_ == nullptr || logits_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        plan_->name(), ": the plan lacks the tokens/positions inputs or logits output"));
  }
  const uint64_t params_base = p.arena.weights + p.arena.kv_cache + p.arena.activations;
  if (tokens_->ref.offset < params_base || positions_->ref.offset < params_base ||
      p.n_tokens_offset < params_base) {
    return absl::InvalidArgumentError(
        absl::StrCat(plan_->name(), ": step inputs outside the step-parameter region"));
  }
  // Check free memory before allocating anything.
  RF_ASSIGN_OR_RETURN(DeviceMemory memory, device_->QueryMemory());
  const uint64_t arena_bytes = p.arena.total();
  if (arena_bytes > memory.free) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the arena needs ", HumanBytes(arena_bytes), " (weights ",
                     HumanBytes(p.arena.weights), ", KV cache ", HumanBytes(p.arena.kv_cache),
                     ", activations ", HumanBytes(p.arena.activations), ") but the GPU has ",
                     HumanBytes(memory.free), " free; recompile with a smaller --max-context"));
  }
  const uint64_t allocations_before = DeviceAllocationCount();
  RF_ASSIGN_OR_RETURN(arena_, DeviceBuffer::Allocate(arena_bytes));
  RF_ASSIGN_OR_RETURN(Stream stream, Stream::Create());
  stream_.emplace(std::move(stream));
  RF_ASSIGN_OR_RETURN(params_host_, PinnedBuffer::Allocate(p.arena.step_params));
  RF_ASSIGN_OR_RETURN(logits_host_, PinnedBuffer::Allocate(p.model.n_vocab * sizeof(float)));
  RF_RETURN_IF_ERROR(Upload());
  RF_RETURN_IF_ERROR(BuildModules());
  RF_RETURN_IF_ERROR(PrepareLaunches(p.decode, decode_));
  RF_RETURN_IF_ERROR(PrepareLaunches(p.prefill, prefill_));
  stats_.device_allocations = static_cast<int>(DeviceAllocationCount() - allocations_before);
  stats_.arena_bytes = arena_bytes;
  RF_DEBUG_LOG(1,
               "hip: %s; arena %s in %d device allocation(s); upload %.1f ms; kernels %d "
               "compiled, %d cached, %.1f ms",
               name_, HumanBytes(arena_bytes), stats_.device_allocations, stats_.upload_ms,
               stats_.kernels_compiled, stats_.kernels_cached, stats_.compile_ms);
  return absl::OkStatus();
}

// Weights through two pinned staging buffers, so that copying into one overlaps the transfer
// of the other; then the rest of the arena zeroed.
absl::Status HipBackend::Upload() {
  const auto start = std::chrono::steady_clock::now();
  const std::span<const uint8_t> weights = plan_->weights();
  const size_t chunk = std::min<size_t>(64 << 20, std::max<size_t>(weights.size(), 1));
  PinnedBuffer staging[2];
  RF_ASSIGN_OR_RETURN(staging[0], PinnedBuffer::Allocate(chunk));
  RF_ASSIGN_OR_RETURN(staging[1], PinnedBuffer::Allocate(chunk));
  std::optional<Event> done[2];
  uint8_t* arena = static_cast<uint8_t*>(arena_.data());
  for (size_t off = 0, i = 0; off < weights.size(); off += chunk, ++i) {
    const size_t n = std::min(chunk, weights.size() - off);
    const int b = static_cast<int>(i % 2);
    if (done[b]) RF_RETURN_IF_ERROR(done[b]->Synchronize());
    std::memcpy(staging[b].data(), weights.data() + off, n);
    RF_HIP_RETURN_IF_ERROR(
        hipMemcpyAsync(arena + off, staging[b].data(), n, hipMemcpyHostToDevice, stream_->get()));
    if (!done[b]) {
      RF_ASSIGN_OR_RETURN(Event e, Event::Create());
      done[b].emplace(std::move(e));
    }
    RF_RETURN_IF_ERROR(done[b]->Record(stream_->get()));
  }
  const uint64_t rest = plan_->plan().arena.total() - weights.size();
  RF_HIP_RETURN_IF_ERROR(hipMemsetAsync(arena + weights.size(), 0, rest, stream_->get()));
  RF_RETURN_IF_ERROR(stream_->Synchronize());
  stats_.upload_ms = MsSince(start);
  return absl::OkStatus();
}

absl::Status HipBackend::BuildModules() {
  const plan::Plan& p = plan_->plan();
  const auto start = std::chrono::steady_clock::now();
  RF_ASSIGN_OR_RETURN(KernelCompiler compiler, KernelCompiler::Create(device_->info().arch));
  std::optional<KernelCache> cache;
  const std::string dir =
      options_.cache_dir.empty() ? KernelCache::DefaultDirectory() : options_.cache_dir;
  if (absl::StatusOr<KernelCache> c = KernelCache::Open(dir); c.ok()) {
    cache.emplace(*std::move(c));
  } else {
    RF_DEBUG_LOG(1, "hip: no kernel cache (%s)", c.status().message());
  }
  std::vector<KernelSource> sources;
  std::vector<size_t> to_compile;
  std::vector<std::string> code(p.kernels.size());
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    if (!p.kernels[i].code_object.empty()) {
      code[i].assign(p.kernels[i].code_object.begin(), p.kernels[i].code_object.end());
      continue;
    }
    sources.push_back({p.kernels[i].name, p.kernels[i].source});
    to_compile.push_back(i);
  }
  KernelBuildOptions build;
  build.target = compiler.target();
  build.cache = cache ? &*cache : nullptr;
  build.threads = options_.compile_threads;
  KernelBuildStats stats;
  RF_ASSIGN_OR_RETURN(std::vector<std::string> built,
                      BuildKernels(sources, build, compiler.AsFunction(), &stats));
  for (size_t j = 0; j < to_compile.size(); ++j) code[to_compile[j]] = std::move(built[j]);
  modules_.reserve(p.kernels.size());
  for (size_t i = 0; i < p.kernels.size(); ++i) {
    RF_ASSIGN_OR_RETURN(Module m, Module::Load(code[i], p.kernels[i].name));
    modules_.push_back(std::move(m));
    RF_ASSIGN_OR_RETURN(hipFunction_t f, modules_.back().Function(p.kernels[i].name));
    functions_.push_back(f);
  }
  stats_.kernels_compiled = stats.compiled;
  stats_.kernels_cached = stats.cached;
  stats_.compile_ms = MsSince(start);
  return absl::OkStatus();
}

absl::Status HipBackend::PrepareLaunches(const plan::Program& program,
                                         std::vector<Launch>& launches) {
  const plan::Plan& p = plan_->plan();
  uint8_t* arena = static_cast<uint8_t*>(arena_.data());
  for (const plan::Instruction& in : program.instructions) {
    if (in.kernels.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          plan_->name(), ": program '", program.name, "' has an instruction without kernels (",
          in.label, "); was the plan compiled for a GPU target?"));
    }
    for (int32_t k : in.kernels) {
      Launch l;
      l.function = functions_[k];
      l.kernel = &p.kernels[k];
      for (const auto* refs : {&in.operands, &in.results}) {
        for (const plan::TensorRef& r : *refs) l.values.push_back(arena + r.offset);
      }
      l.values.push_back(arena + p.n_tokens_offset);
      l.values.push_back(arena + p.workspace_offset);
      launches.push_back(std::move(l));
    }
  }
  for (Launch& l : launches) {
    for (void*& v : l.values) l.pointers.push_back(&v);
  }
  return absl::OkStatus();
}

absl::Status HipBackend::Run(std::vector<Launch>& launches, int64_t T) {
  for (Launch& l : launches) {
    const plan::Kernel& k = *l.kernel;
    const uint64_t tiles = (static_cast<uint64_t>(T) + k.token_tile - 1) / k.token_tile;
    const Dim3 grid{static_cast<unsigned>(k.grid_base + k.grid_per_tile * tiles), k.grid_y, 1};
    std::optional<Event> start, stop;
    if (options_.profile) {
      RF_ASSIGN_OR_RETURN(Event a, Event::Create());
      RF_ASSIGN_OR_RETURN(Event b, Event::Create());
      start.emplace(std::move(a));
      stop.emplace(std::move(b));
      RF_RETURN_IF_ERROR(start->Record(stream_->get()));
    }
    RF_RETURN_IF_ERROR(LaunchKernel(l.function, grid, Dim3{k.block, 1, 1}, 0, stream_->get(),
                                    l.pointers.data(), k.name));
    if (options_.profile) {
      RF_RETURN_IF_ERROR(stop->Record(stream_->get()));
      RF_RETURN_IF_ERROR(stop->Synchronize());
      RF_ASSIGN_OR_RETURN(float ms, stop->MillisecondsSince(*start));
      auto& entry = profile_[T == 1 ? k.name : absl::StrCat(k.name, " (T=", T, ")")];
      ++entry.first;
      entry.second += ms;
    }
  }
  return absl::OkStatus();
}

void HipBackend::PrintProfile() const {
  if (profile_.empty()) return;
  std::vector<std::pair<double, std::string>> rows;
  double total = 0;
  for (const auto& [name, e] : profile_) {
    rows.push_back({e.second, name});
    total += e.second;
  }
  std::sort(rows.rbegin(), rows.rend());
  std::fprintf(stderr, "kernel profile (%s): %.3f ms in all\n", name_.c_str(), total);
  for (const auto& [ms, name] : rows) {
    const auto& e = profile_.at(name);
    std::fprintf(stderr, "  %8.3f ms %5.1f%%  %6lld x %7.2f us  %s\n", ms, 100 * ms / total,
                 static_cast<long long>(e.first), 1e3 * ms / e.first, name.c_str());
  }
}

absl::StatusOr<std::span<const float>> HipBackend::Step(std::span<const int32_t> tokens,
                                                        int64_t first_position) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T < 1 || T > max_batch()) {
    return absl::InvalidArgumentError(
        absl::StrCat("a step takes 1 to ", max_batch(), " tokens, got ", T));
  }
  if (first_position < 0 || first_position + T > max_context()) {
    return absl::OutOfRangeError(absl::StrCat("positions ", first_position, "..",
                                              first_position + T - 1, " exceed the context of ",
                                              max_context()));
  }
  for (int32_t id : tokens) {
    if (id < 0 || id >= n_vocab()) {
      return absl::InvalidArgumentError(
          absl::StrCat("token id ", id, " is outside the vocabulary [0, ", n_vocab(), ")"));
    }
  }
  const plan::Plan& p = plan_->plan();
  const uint64_t params_base = p.arena.weights + p.arena.kv_cache + p.arena.activations;
  uint8_t* host = static_cast<uint8_t*>(params_host_.data());
  const int32_t n = static_cast<int32_t>(T);
  std::memcpy(host + (p.n_tokens_offset - params_base), &n, sizeof(n));
  std::memcpy(host + (tokens_->ref.offset - params_base), tokens.data(), T * sizeof(int32_t));
  int32_t* pos = reinterpret_cast<int32_t*>(host + (positions_->ref.offset - params_base));
  for (int64_t t = 0; t < T; ++t) pos[t] = static_cast<int32_t>(first_position + t);
  uint8_t* arena = static_cast<uint8_t*>(arena_.data());
  RF_HIP_RETURN_IF_ERROR(hipMemcpyAsync(arena + params_base, host, p.arena.step_params,
                                        hipMemcpyHostToDevice, stream_->get()));
  if (T == 1 && options_.use_graph && !options_.profile) {
    if (!decode_graph_) {
      RF_RETURN_IF_ERROR(Graph::BeginCapture(stream_->get()));
      absl::Status launched = Run(decode_, 1);
      absl::StatusOr<Graph> graph = Graph::EndCapture(stream_->get());
      RF_RETURN_IF_ERROR(launched);
      RF_RETURN_IF_ERROR(graph.status());
      decode_graph_.emplace(*std::move(graph));
      RF_DEBUG_LOG(1, "hip: decode graph captured, %zu nodes", decode_graph_->node_count());
    }
    RF_RETURN_IF_ERROR(decode_graph_->Launch(stream_->get()));
  } else {
    RF_RETURN_IF_ERROR(Run(T == 1 ? decode_ : prefill_, T));
  }
  const int64_t V = n_vocab();
  const int64_t rows =
      logits_->ref.shape.size() > 1 && logits_->ref.shape[0] == plan::kDimT ? T : 1;
  RF_HIP_RETURN_IF_ERROR(hipMemcpyAsync(
      logits_host_.data(), arena + logits_->ref.offset + (rows - 1) * V * sizeof(float),
      V * sizeof(float), hipMemcpyDeviceToHost, stream_->get()));
  RF_RETURN_IF_ERROR(stream_->Synchronize());
  return std::span<const float>(static_cast<const float*>(logits_host_.data()), V);
}

}  // namespace

bool HipBackendAvailable() {
  return Device::Count() > 0;
}

absl::StatusOr<std::string> DeviceTarget() {
  RF_ASSIGN_OR_RETURN(Device device, Device::Open(0));
  return device.info().arch_name();
}

absl::StatusOr<std::unique_ptr<Backend>> CreateHipBackend(
    std::shared_ptr<const plan::PlanFile> plan, const HipBackendOptions& options) {
  auto backend = std::make_unique<HipBackend>(std::move(plan), options);
  RF_RETURN_IF_ERROR(backend->Load());
  return backend;
}

}  // namespace rf::hip

namespace rf::hip {

absl::StatusOr<double> MeasureCopyBandwidth(size_t bytes) {
  RF_ASSIGN_OR_RETURN(DeviceBuffer a, DeviceBuffer::Allocate(bytes));
  RF_ASSIGN_OR_RETURN(DeviceBuffer b, DeviceBuffer::Allocate(bytes));
  RF_ASSIGN_OR_RETURN(Stream stream, Stream::Create());
  RF_HIP_RETURN_IF_ERROR(hipMemsetAsync(a.data(), 1, bytes, stream.get()));
  RF_ASSIGN_OR_RETURN(Event start, Event::Create());
  RF_ASSIGN_OR_RETURN(Event stop, Event::Create());
  constexpr int kReps = 10;
  RF_HIP_RETURN_IF_ERROR(
      hipMemcpyAsync(b.data(), a.data(), bytes, hipMemcpyDeviceToDevice, stream.get()));  // warm-up
  RF_RETURN_IF_ERROR(start.Record(stream.get()));
  for (int i = 0; i < kReps; ++i) {
    RF_HIP_RETURN_IF_ERROR(
        hipMemcpyAsync(b.data(), a.data(), bytes, hipMemcpyDeviceToDevice, stream.get()));
  }
  RF_RETURN_IF_ERROR(stop.Record(stream.get()));
  RF_RETURN_IF_ERROR(stop.Synchronize());
  RF_ASSIGN_OR_RETURN(float ms, stop.MillisecondsSince(start));
  return 2.0 * static_cast<double>(bytes) * kReps / (ms / 1e3);
}

}  // namespace rf::hip
