#include "runtime/emu/emu_backend.h"

#include <chrono>
#include <cstring>
#include <new>
#include <vector>

#include "absl/strings/str_cat.h"
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define RF_EMU_POISON_ARENA 1
#endif
#include "support/clock.h"
#include "support/debug.h"
#include "support/format.h"
#include "support/status.h"

namespace rf::emu {
namespace {

struct ArenaDeleter {
  void operator()(uint8_t* p) const { ::operator delete[](p, std::align_val_t(4096)); }
};

// One kernel launch: the kernel and its argument values (pointers into the arena).
struct Launch {
  const plan::Kernel* kernel = nullptr;
  const EmuKernel* code = nullptr;
  std::vector<void*> values;
  std::vector<void*> pointers;  // &values[i]
};

// A program's launches, and where each instruction's launches begin (one entry past the end).
struct Program {
  const plan::Program* program = nullptr;
  std::vector<Launch> launches;
  std::vector<size_t> first_launch;
};

class EmuBackend : public Backend {
 public:
  EmuBackend(std::shared_ptr<const plan::PlanFile> plan, EmuBackendOptions options)
      : plan_(std::move(plan)), options_(std::move(options)) {}

  absl::Status Load();

  std::string name() const override { return name_; }
  const LoadStats& load_stats() const override { return stats_; }
  int64_t max_context() const override { return plan_->plan().model.max_context; }
  int64_t max_batch() const override { return plan_->plan().model.max_batch; }
  int64_t n_vocab() const override { return plan_->plan().model.n_vocab; }
  absl::StatusOr<std::span<const float>> Step(std::span<const int32_t> tokens,
                                              int64_t first_position) override;
  absl::Status RunInstructions(std::span<const int32_t> tokens, int64_t first_position,
                               size_t begin, size_t end) override;
  absl::Status ReadArena(uint64_t offset, std::span<uint8_t> out) override;
  absl::Status WriteArena(uint64_t offset, std::span<const uint8_t> bytes) override;

 private:
  absl::Status BuildModules();
  absl::Status PoisonAllBut(const plan::Instruction& in, int64_t T);
  void Unpoison();
  absl::Status PrepareLaunches(const plan::Program& program, Program& out);

  std::shared_ptr<const plan::PlanFile> plan_;
  EmuBackendOptions options_;
  std::string name_ = "emu";
  LoadStats stats_;
  std::unique_ptr<uint8_t[], ArenaDeleter> arena_;
  std::unique_ptr<EmuModules> modules_;
  std::unique_ptr<Launcher> launcher_;
  Program decode_, prefill_;
  const plan::Binding* tokens_ = nullptr;
  const plan::Binding* positions_ = nullptr;
  const plan::Binding* logits_ = nullptr;
};

absl::Status EmuBackend::Load() {
  const plan::Plan& p = plan_->plan();
  name_ = absl::StrCat("emu (", p.target, " kernels on the CPU)");
  if (p.kernels.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        plan_->name(), ": the plan (target ", p.target,
        ") has no kernels; the emu backend runs GPU plans (rfc compile --target gfx1100|sm_90)"));
  }
  tokens_ = plan::FindBinding(p.inputs, "tokens");
  positions_ = plan::FindBinding(p.inputs, "positions");
  logits_ = plan::FindBinding(p.outputs, "logits");
  if (tokens_ == nullptr || positions_ == nullptr || logits_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        plan_->name(), ": the plan lacks the tokens/positions inputs or logits output"));
  }
  const uint64_t total = p.arena.total();
  const uint64_t T = p.model.max_batch;
  auto fits = [&](uint64_t offset, uint64_t bytes) {
    return offset <= total && bytes <= total - offset;
  };
  if (p.model.n_vocab == 0 || !fits(tokens_->ref.offset, 4 * T) ||
      !fits(positions_->ref.offset, 4 * T) ||
      !fits(logits_->ref.offset, 4 * static_cast<uint64_t>(p.model.n_vocab)) ||
      logits_->ref.shape.empty() || logits_->ref.shape.back() != p.model.n_vocab ||
      !fits(p.n_tokens_offset, 4) || !fits(p.workspace_offset, p.workspace_bytes) ||
      plan_->weights().size() != p.arena.weights) {
    return absl::InvalidArgumentError(absl::StrCat(plan_->name(), ": inconsistent bindings"));
  }
  const auto start = std::chrono::steady_clock::now();
  // ONE allocation of exactly the arena's size (so that AddressSanitizer sees a kernel that
  // leaves it), weights copied in, the rest (KV cache, activations, workspace) zeroed.
  arena_.reset(static_cast<uint8_t*>(::operator new[](total, std::align_val_t(4096))));
  stats_.device_allocations = 1;
  stats_.arena_bytes = total;
  std::memcpy(arena_.get(), plan_->weights().data(), p.arena.weights);
  std::memset(arena_.get() + p.arena.weights, 0, total - p.arena.weights);
  stats_.upload_ms = MsSince(start);
  RF_RETURN_IF_ERROR(BuildModules());
  RF_RETURN_IF_ERROR(PrepareLaunches(p.decode, decode_));
  RF_RETURN_IF_ERROR(PrepareLaunches(p.prefill, prefill_));
  RF_DEBUG_LOG(1, "emu: %s; arena %s; kernels %d compiled, %d cached, %.1f ms; wave %d", name_,
               HumanBytes(total), stats_.kernels_compiled, stats_.kernels_cached, stats_.compile_ms,
               launcher_->wave_size());
  return absl::OkStatus();
}

absl::Status EmuBackend::BuildModules() {
  const plan::Plan& p = plan_->plan();
  const auto start = std::chrono::steady_clock::now();
  std::vector<hip::KernelSource> sources;
  int wave = 0;
  for (const plan::Kernel& k : p.kernels) {
    auto where = [&](const absl::Status& s) {
      return WithContext(s, absl::StrCat(plan_->name(), ": kernel ", k.name));
    };
    absl::StatusOr<int> w = KernelWaveSize(k.source);
    if (!w.ok()) return where(w.status());
    if (wave != 0 && *w != wave) {
      return where(absl::InvalidArgumentError(
          absl::StrCat("written for waves of ", *w, " lanes, the plan's others for ", wave)));
    }
    wave = *w;
    absl::StatusOr<std::string> source = EmuKernelSource(k.name, k.source);
    if (!source.ok()) return where(source.status());
    sources.push_back({k.name, *std::move(source)});
  }
  hip::KernelBuildStats stats;
  absl::StatusOr<std::unique_ptr<EmuModules>> modules =
      EmuModules::Build(sources, options_.build, &stats);
  if (!modules.ok()) return WithContext(modules.status(), plan_->name());
  modules_ = *std::move(modules);
  launcher_ = std::make_unique<Launcher>(wave, options_.schedule);
  stats_.kernels_compiled = stats.compiled;
  stats_.kernels_cached = stats.cached;
  stats_.compile_ms = MsSince(start);
  return absl::OkStatus();
}

absl::Status EmuBackend::PrepareLaunches(const plan::Program& program, Program& out) {
  const plan::Plan& p = plan_->plan();
  uint8_t* arena = arena_.get();
  out.program = &program;
  for (const plan::Instruction& in : program.instructions) {
    out.first_launch.push_back(out.launches.size());
    if (in.kernels.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          plan_->name(), ": program '", program.name, "' has an instruction without kernels (",
          in.label, "); was the plan compiled for a GPU target?"));
    }
    for (int32_t k : in.kernels) {
      Launch l;
      l.kernel = &p.kernels[k];
      l.code = &modules_->kernel(k);
      for (const auto* refs : {&in.operands, &in.results}) {
        for (const plan::TensorRef& r : *refs) l.values.push_back(arena + r.offset);
      }
      l.values.push_back(arena + p.n_tokens_offset);
      l.values.push_back(arena + p.workspace_offset);
      if (static_cast<int>(l.values.size()) != l.code->params) {
        return absl::InvalidArgumentError(
            absl::StrCat(plan_->name(), ": program '", program.name, "', ", in.label, ": kernel ",
                         l.kernel->name, " takes ", l.code->params,
                         " parameters, the instruction gives ", l.values.size()));
      }
      out.launches.push_back(std::move(l));
    }
  }
  out.first_launch.push_back(out.launches.size());
  for (Launch& l : out.launches) {
    for (void*& v : l.values) l.pointers.push_back(&v);
  }
  return absl::OkStatus();
}

absl::Status EmuBackend::RunInstructions(std::span<const int32_t> tokens, int64_t first_position,
                                         size_t begin, size_t end) {
  RF_RETURN_IF_ERROR(CheckStepArguments(*this, tokens, first_position));
  const int64_t T = static_cast<int64_t>(tokens.size());
  Program& program = T == 1 ? decode_ : prefill_;
  const size_t n = program.first_launch.size() - 1;
  if (begin > end || end > n) {
    return absl::OutOfRangeError(absl::StrCat("instructions [", begin, ", ", end, ") of program '",
                                              program.program->name, "', which has ", n));
  }
  const plan::Plan& p = plan_->plan();
  uint8_t* arena = arena_.get();
  const int32_t count = static_cast<int32_t>(T);
  std::memcpy(arena + p.n_tokens_offset, &count, sizeof(count));
  std::memcpy(arena + tokens_->ref.offset, tokens.data(), T * sizeof(int32_t));
  int32_t* pos = reinterpret_cast<int32_t*>(arena + positions_->ref.offset);
  for (int64_t t = 0; t < T; ++t) pos[t] = static_cast<int32_t>(first_position + t);
  absl::Status status;
  for (size_t in = begin; in < end && status.ok(); ++in) {
    status = PoisonAllBut(program.program->instructions[in], T);
    for (size_t i = program.first_launch[in]; i < program.first_launch[in + 1] && status.ok();
         ++i) {
      Launch& l = program.launches[i];
      const plan::Kernel& k = *l.kernel;
      const uint64_t tiles = (static_cast<uint64_t>(T) + k.token_tile - 1) / k.token_tile;
      const Grid grid{static_cast<uint32_t>(k.grid_base + k.grid_per_tile * tiles), k.grid_y};
      status = launcher_->Launch(l.code->entry, l.pointers.data(), grid, k.block, k.name);
    }
  }
  Unpoison();
  return status;
}

// Under AddressSanitizer (the kernels are built with it too), everything in the arena but the
// instruction's operands and results (at T tokens), the step scalars and the workspace is made
// unaddressable while its kernels run: a kernel that reads past its own tensors is reported where
// it does so, though the bytes it reaches belong to the arena.
absl::Status EmuBackend::PoisonAllBut(const plan::Instruction& in, int64_t T) {
#if defined(RF_EMU_POISON_ARENA)
  const plan::Plan& p = plan_->plan();
  uint8_t* arena = arena_.get();
  ASAN_POISON_MEMORY_REGION(arena, p.arena.total());
  for (const auto* refs : {&in.operands, &in.results}) {
    for (const plan::TensorRef& r : *refs) {
      RF_ASSIGN_OR_RETURN(uint64_t bytes, plan::TensorBytes(r, T));
      ASAN_UNPOISON_MEMORY_REGION(arena + r.offset, bytes);
    }
  }
  ASAN_UNPOISON_MEMORY_REGION(arena + p.n_tokens_offset, sizeof(int32_t));
  ASAN_UNPOISON_MEMORY_REGION(arena + p.workspace_offset, p.workspace_bytes);
#else
  (void)in;
  (void)T;
#endif
  return absl::OkStatus();
}

void EmuBackend::Unpoison() {
#if defined(RF_EMU_POISON_ARENA)
  ASAN_UNPOISON_MEMORY_REGION(arena_.get(), plan_->plan().arena.total());
#endif
}

absl::StatusOr<std::span<const float>> EmuBackend::Step(std::span<const int32_t> tokens,
                                                        int64_t first_position) {
  const Program& program = tokens.size() == 1 ? decode_ : prefill_;
  RF_RETURN_IF_ERROR(
      RunInstructions(tokens, first_position, 0, program.program->instructions.size()));
  const int64_t T = static_cast<int64_t>(tokens.size());
  const int64_t V = n_vocab();
  const int64_t rows =
      logits_->ref.shape.size() > 1 && logits_->ref.shape[0] == plan::kDimT ? T : 1;
  const float* logits = reinterpret_cast<const float*>(arena_.get() + logits_->ref.offset);
  return std::span<const float>(logits + (rows - 1) * V, V);
}

absl::Status EmuBackend::ReadArena(uint64_t offset, std::span<uint8_t> out) {
  RF_RETURN_IF_ERROR(CheckArenaRange(plan_->plan(), offset, out.size()));
  std::memcpy(out.data(), arena_.get() + offset, out.size());
  return absl::OkStatus();
}

absl::Status EmuBackend::WriteArena(uint64_t offset, std::span<const uint8_t> bytes) {
  RF_RETURN_IF_ERROR(CheckArenaRange(plan_->plan(), offset, bytes.size()));
  std::memcpy(arena_.get() + offset, bytes.data(), bytes.size());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> CreateEmuBackend(
    std::shared_ptr<const plan::PlanFile> plan, const EmuBackendOptions& options) {
  auto backend = std::make_unique<EmuBackend>(std::move(plan), options);
  RF_RETURN_IF_ERROR(backend->Load());
  return backend;
}

}  // namespace rf::emu
