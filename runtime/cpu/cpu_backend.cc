#include "runtime/cpu/cpu_backend.h"

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "runtime/cpu/executor.h"
#include "runtime/cpu/thread_pool.h"
#include "support/clock.h"
#include "support/status.h"

namespace rf::cpu {
namespace {

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

class CpuBackend : public Backend {
 public:
  CpuBackend(std::shared_ptr<const plan::PlanFile> plan, int threads)
      : plan_(std::move(plan)), pool_(threads) {}

  absl::Status Load() {
    const plan::Plan& p = plan_->plan();
    RF_RETURN_IF_ERROR(WithContext(ValidatePrograms(p), plan_->name()));
    tokens_ = plan::FindBinding(p.inputs, "tokens");
    positions_ = plan::FindBinding(p.inputs, "positions");
    logits_ = plan::FindBinding(p.outputs, "logits");
    if (tokens_ == nullptr || positions_ == nullptr || logits_ == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          plan_->name(), ": the plan lacks the tokens/positions inputs or logits output"));
    }
    const uint64_t T = p.model.max_batch;
    auto fits = [&](const plan::TensorRef& r, uint64_t elem_bytes, uint64_t n) {
      return r.offset <= p.arena.total() && n * elem_bytes <= p.arena.total() - r.offset;
    };
    if (p.model.n_vocab == 0 || !fits(tokens_->ref, 4, T) || !fits(positions_->ref, 4, T) ||
        !fits(logits_->ref, 4, static_cast<uint64_t>(p.model.n_vocab)) ||
        logits_->ref.shape.empty() || logits_->ref.shape.back() != p.model.n_vocab ||
        !fits({p.n_tokens_offset, 0, {}}, 4, 1) || plan_->weights().size() != p.arena.weights) {
      return absl::InvalidArgumentError(absl::StrCat(plan_->name(), ": inconsistent bindings"));
    }
    const auto start = std::chrono::steady_clock::now();
    // ONE allocation for the whole arena, page-aligned.
    const size_t bytes = (p.arena.total() + 4095) / 4096 * 4096;
    arena_.reset(static_cast<uint8_t*>(std::aligned_alloc(4096, bytes)));
    if (arena_ == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat(plan_->name(), ": cannot allocate the ", bytes, "-byte arena"));
    }
    stats_.device_allocations = 1;
    stats_.arena_bytes = p.arena.total();
    const std::span<const uint8_t> weights = plan_->weights();
    pool_.ParallelFor(static_cast<int64_t>(weights.size()), 1 << 22, [&](int64_t b, int64_t e) {
      std::memcpy(arena_.get() + b, weights.data() + b, e - b);
    });
    std::memset(arena_.get() + p.arena.weights, 0, bytes - p.arena.weights);
    stats_.upload_ms = MsSince(start);
    return absl::OkStatus();
  }

  std::string name() const override { return "cpu"; }
  const LoadStats& load_stats() const override { return stats_; }
  int64_t max_context() const override { return plan_->plan().model.max_context; }
  int64_t max_batch() const override { return plan_->plan().model.max_batch; }
  int64_t n_vocab() const override { return plan_->plan().model.n_vocab; }
  void set_read_ms(double ms) { stats_.read_ms = ms; }

  absl::StatusOr<std::span<const float>> Step(std::span<const int32_t> tokens,
                                              int64_t first_position) override {
    const plan::Program& program = ProgramFor(tokens);
    RF_RETURN_IF_ERROR(RunInstructions(tokens, first_position, 0, program.instructions.size()));
    // The logits output holds one row per token or only the last: return the last row.
    const int64_t T = static_cast<int64_t>(tokens.size());
    const int64_t V = n_vocab();
    const int64_t rows =
        logits_->ref.shape.size() > 1 && logits_->ref.shape[0] == plan::kDimT ? T : 1;
    const float* logits = reinterpret_cast<const float*>(arena_.get() + logits_->ref.offset);
    return std::span<const float>(logits + (rows - 1) * V, V);
  }

  absl::Status RunInstructions(std::span<const int32_t> tokens, int64_t first_position,
                               size_t begin, size_t end) override {
    RF_RETURN_IF_ERROR(CheckStepArguments(*this, tokens, first_position));
    const int64_t T = static_cast<int64_t>(tokens.size());
    uint8_t* arena = arena_.get();
    std::memcpy(arena + tokens_->ref.offset, tokens.data(), T * sizeof(int32_t));
    int32_t* pos = reinterpret_cast<int32_t*>(arena + positions_->ref.offset);
    for (int64_t t = 0; t < T; ++t) pos[t] = static_cast<int32_t>(first_position + t);
    const int32_t n = static_cast<int32_t>(T);
    std::memcpy(arena + plan_->plan().n_tokens_offset, &n, sizeof(n));
    return cpu::RunInstructions(ProgramFor(tokens), begin, end, arena, T, &pool_);
  }

  absl::Status ReadArena(uint64_t offset, std::span<uint8_t> out) override {
    RF_RETURN_IF_ERROR(CheckArenaRange(plan_->plan(), offset, out.size()));
    std::memcpy(out.data(), arena_.get() + offset, out.size());
    return absl::OkStatus();
  }

  absl::Status WriteArena(uint64_t offset, std::span<const uint8_t> bytes) override {
    RF_RETURN_IF_ERROR(CheckArenaRange(plan_->plan(), offset, bytes.size()));
    std::memcpy(arena_.get() + offset, bytes.data(), bytes.size());
    return absl::OkStatus();
  }

 private:
  const plan::Program& ProgramFor(std::span<const int32_t> tokens) const {
    return tokens.size() == 1 ? plan_->plan().decode : plan_->plan().prefill;
  }

  std::shared_ptr<const plan::PlanFile> plan_;
  ThreadPool pool_;
  std::unique_ptr<uint8_t, FreeDeleter> arena_;
  const plan::Binding* tokens_ = nullptr;
  const plan::Binding* positions_ = nullptr;
  const plan::Binding* logits_ = nullptr;
  LoadStats stats_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> CreateCpuBackend(
    std::shared_ptr<const plan::PlanFile> plan, int threads) {
  if (plan->plan().target != "cpu") {
    return absl::InvalidArgumentError(
        absl::StrCat(plan->name(), ": compiled for target ", plan->plan().target,
                     ", but the cpu backend runs target cpu; recompile with --target cpu"));
  }
  auto backend = std::make_unique<CpuBackend>(std::move(plan), threads);
  RF_RETURN_IF_ERROR(backend->Load());
  return backend;
}

}  // namespace rf::cpu
