#include "runtime/emu/emu_launch.h"

#include <atomic>
#include <barrier>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace rf::emu {
namespace {

// One launch at a time in the process: kernels' shared memory is static storage of their library.
std::mutex& LaunchLock() {
  static std::mutex mu;
  return mu;
}

}  // namespace

class Launcher::Pool {
 public:
  Pool(uint32_t block, int wave_size);
  ~Pool();

  absl::Status Run(EmuEntry entry, void** args, Grid grid, absl::string_view kernel);

 private:
  struct NextBlock {
    Pool* pool;
    void operator()() noexcept { pool->SetUpNextBlock(); }
  };
  struct Wave {
    uint32_t lanes = 0;
    std::optional<std::barrier<>> barrier;
    std::vector<uint32_t> slots[2];  // shuffle k uses slots[k % 2]
  };

  void ThreadMain(uint32_t tid);
  void SetUpNextBlock() noexcept;
  void Fail(std::string message);
  static void Barrier(EmuThread* self);
  static uint32_t Exchange(EmuThread* self, uint32_t value, int32_t src_lane);

  const uint32_t block_;
  const int wave_size_;
  std::vector<EmuThread> threads_state_;
  // Per thread: the shuffles it has taken part in during this block. A lane that returned stops
  // counting, so a shuffle k that reads a lane whose count stays below k reads a departed lane.
  std::unique_ptr<std::atomic<uint32_t>[]> shuffles_;
  std::vector<Wave> waves_;
  std::optional<std::barrier<>> block_barrier_;
  std::barrier<NextBlock> between_blocks_;

  // The launch in progress (written by the launching thread before it bumps generation_, or by
  // the completion of between_blocks_ while every pool thread waits).
  EmuEntry entry_ = nullptr;
  void** args_ = nullptr;
  Grid grid_;
  uint64_t next_block_ = 0;
  uint32_t block_x_ = 0, block_y_ = 0;
  bool done_ = false;
  bool stop_ = false;
  std::string kernel_;
  std::mutex error_mu_;
  std::string error_;

  std::atomic<uint64_t> generation_{0};
  std::atomic<uint32_t> finished_{0};
  std::vector<std::thread> threads_;
};

Launcher::Pool::Pool(uint32_t block, int wave_size)
    : block_(block),
      wave_size_(wave_size),
      threads_state_(block),
      shuffles_(std::make_unique<std::atomic<uint32_t>[]>(block)),
      waves_((block + wave_size - 1) / wave_size),
      between_blocks_(block, NextBlock{this}) {
  for (size_t w = 0; w < waves_.size(); ++w) {
    Wave& wave = waves_[w];
    wave.lanes = std::min<uint32_t>(wave_size, block - static_cast<uint32_t>(w) * wave_size);
    wave.slots[0].assign(wave_size, 0);
    wave.slots[1].assign(wave_size, 0);
  }
  for (uint32_t t = 0; t < block; ++t) {
    EmuThread& s = threads_state_[t];
    s.thread_x = t;
    s.lane = t % wave_size;
    s.wave = t / wave_size;
    s.state = this;
    s.barrier = &Pool::Barrier;
    s.exchange = &Pool::Exchange;
  }
  threads_.reserve(block);
  for (uint32_t t = 0; t < block; ++t) threads_.emplace_back([this, t] { ThreadMain(t); });
}

Launcher::Pool::~Pool() {
  stop_ = true;
  generation_.fetch_add(1);
  generation_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void Launcher::Pool::ThreadMain(uint32_t tid) {
  uint64_t seen = 0;
  EmuThread& self = threads_state_[tid];
  for (;;) {
    generation_.wait(seen);
    seen = generation_.load();
    if (stop_) return;
    for (;;) {
      between_blocks_.arrive_and_wait();  // the last to arrive sets up the next block
      if (done_) break;
      self.block_x = block_x_;
      self.block_y = block_y_;
      entry_(args_, &self);
      // Returned: stop counting in this block's barriers.
      waves_[self.wave].barrier->arrive_and_drop();
      block_barrier_->arrive_and_drop();
    }
    if (finished_.fetch_add(1) + 1 == block_) finished_.notify_all();
  }
}

void Launcher::Pool::SetUpNextBlock() noexcept {
  if (next_block_ == static_cast<uint64_t>(grid_.x) * grid_.y) {
    done_ = true;
    return;
  }
  block_x_ = static_cast<uint32_t>(next_block_ % grid_.x);
  block_y_ = static_cast<uint32_t>(next_block_ / grid_.x);
  ++next_block_;
  block_barrier_.emplace(block_);
  for (Wave& wave : waves_) wave.barrier.emplace(wave.lanes);
  for (uint32_t t = 0; t < block_; ++t) shuffles_[t].store(0);
}

void Launcher::Pool::Fail(std::string message) {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (error_.empty()) error_ = std::move(message);
}

void Launcher::Pool::Barrier(EmuThread* self) {
  static_cast<Pool*>(self->state)->block_barrier_->arrive_and_wait();
}

uint32_t Launcher::Pool::Exchange(EmuThread* self, uint32_t value, int32_t src_lane) {
  Pool* pool = static_cast<Pool*>(self->state);
  Wave& wave = pool->waves_[self->wave];
  const uint32_t k = pool->shuffles_[self->thread_x].load() + 1;
  std::vector<uint32_t>& slots = wave.slots[k % 2];
  slots[self->lane] = value;
  pool->shuffles_[self->thread_x].store(k);
  wave.barrier->arrive_and_wait();
  const bool exists = src_lane >= 0 && static_cast<uint32_t>(src_lane) < wave.lanes;
  if (!exists || pool->shuffles_[self->wave * pool->wave_size_ + src_lane].load() < k) {
    pool->Fail(absl::StrCat("block (", self->block_x, ", ", self->block_y, ") thread ",
                            self->thread_x, ": shuffle ", k, " reads lane ", src_lane, " of wave ",
                            self->wave, ", which ", exists ? "has returned" : "does not exist"));
    return value;
  }
  return slots[src_lane];
}

absl::Status Launcher::Pool::Run(EmuEntry entry, void** args, Grid grid,
                                 absl::string_view kernel) {
  entry_ = entry;
  args_ = args;
  grid_ = grid;
  next_block_ = 0;
  done_ = false;
  kernel_ = std::string(kernel);
  error_.clear();
  finished_.store(0);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (uint32_t f = finished_.load(); f != block_; f = finished_.load()) finished_.wait(f);
  if (!error_.empty()) {
    return absl::InternalError(absl::StrCat("kernel ", kernel_, ": ", error_));
  }
  return absl::OkStatus();
}

Launcher::Launcher(int wave_size) : wave_size_(wave_size) {}
Launcher::~Launcher() = default;

absl::Status Launcher::Launch(EmuEntry entry, void** args, Grid grid, uint32_t block,
                              absl::string_view kernel) {
  if (block == 0 || block > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel ", kernel, ": a block of ", block, " threads (1 to 1024)"));
  }
  if (grid.x == 0 || grid.y == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel ", kernel, ": an empty grid (", grid.x, ", ", grid.y, ")"));
  }
  std::unique_ptr<Pool>& pool = pools_[block];
  if (pool == nullptr) pool = std::make_unique<Pool>(block, wave_size_);
  std::lock_guard<std::mutex> lock(LaunchLock());
  return pool->Run(entry, args, grid, kernel);
}

}  // namespace rf::emu
