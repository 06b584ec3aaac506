#include "runtime/emu/emu_launch.h"

#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/emu/fiber.h"
#include "support/status.h"

namespace rf::emu {
namespace {

// One launch at a time in the process: kernels' shared memory is static storage of their library.
std::mutex& LaunchLock() {
  static std::mutex mu;
  return mu;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStackBytes = 1 << 20;  // instrumented frames are larger
#else
constexpr size_t kStackBytes = 256 << 10;
#endif

}  // namespace

// The fibers of one block size, and the state of the block they are running.
class Launcher::Block {
 public:
  static absl::StatusOr<std::unique_ptr<Block>> Create(uint32_t threads, int wave_size);

  absl::Status Run(EmuEntry entry, void** args, Grid grid, Schedule schedule,
                   absl::string_view kernel);

 private:
  enum class State { kReady, kAtBarrier, kAtShuffle, kDone };
  struct Thread {
    EmuThread t;
    std::unique_ptr<Fiber> fiber;
    State state = State::kReady;
    uint32_t shuffles = 0;  // shuffles taken part in during this block
    Block* block = nullptr;
  };
  struct Wave {
    uint32_t first = 0, lanes = 0;
    std::vector<uint32_t> slots[2];  // shuffle k uses slots[k % 2]
  };

  Block(uint32_t threads, int wave_size) : threads_(threads), wave_size_(wave_size) {}
  absl::Status RunBlock(uint32_t bx, uint32_t by, Schedule schedule);
  bool Release();  // lets waiting threads go where they may; false if none may
  std::string Describe() const;
  void Fail(const EmuThread& t, std::string what);
  static void ThreadMain(void* thread);
  static void Barrier(EmuThread* self);
  static uint32_t Exchange(EmuThread* self, uint32_t value, int32_t src_lane);
  Thread& ThreadOf(EmuThread* self) { return threads_state_[self->thread_x]; }

  const uint32_t threads_;
  const int wave_size_;
  std::vector<Thread> threads_state_;
  std::vector<Wave> waves_;
  Fiber scheduler_;  // this OS thread
  EmuEntry entry_ = nullptr;
  void** args_ = nullptr;
  std::string error_;
};

absl::StatusOr<std::unique_ptr<Launcher::Block>> Launcher::Block::Create(uint32_t threads,
                                                                          int wave_size) {
  std::unique_ptr<Block> b(new Block(threads, wave_size));
  b->threads_state_.resize(threads);
  for (uint32_t i = 0; i < threads; ++i) {
    Thread& th = b->threads_state_[i];
    RF_ASSIGN_OR_RETURN(th.fiber, Fiber::Create(kStackBytes));
    th.block = b.get();
    th.t.thread_x = i;
    th.t.lane = i % wave_size;
    th.t.wave = i / wave_size;
    th.t.state = &th;
    th.t.barrier = &Block::Barrier;
    th.t.exchange = &Block::Exchange;
  }
  for (uint32_t first = 0; first < threads; first += wave_size) {
    Wave w;
    w.first = first;
    w.lanes = std::min<uint32_t>(wave_size, threads - first);
    w.slots[0].assign(wave_size, 0);
    w.slots[1].assign(wave_size, 0);
    b->waves_.push_back(std::move(w));
  }
  return b;
}

void Launcher::Block::ThreadMain(void* arg) {
  Thread& th = *static_cast<Thread*>(arg);
  Block& b = *th.block;
  b.entry_(b.args_, &th.t);
  th.state = State::kDone;
  Fiber::Switch(*th.fiber, b.scheduler_, /*done=*/true);
}

void Launcher::Block::Barrier(EmuThread* self) {
  Thread& th = *static_cast<Thread*>(self->state);
  th.state = State::kAtBarrier;
  Fiber::Switch(*th.fiber, th.block->scheduler_);
}

uint32_t Launcher::Block::Exchange(EmuThread* self, uint32_t value, int32_t src_lane) {
  Thread& th = *static_cast<Thread*>(self->state);
  Block& b = *th.block;
  Wave& wave = b.waves_[self->wave];
  const uint32_t k = ++th.shuffles;
  std::vector<uint32_t>& slots = wave.slots[k % 2];
  slots[self->lane] = value;
  th.state = State::kAtShuffle;
  Fiber::Switch(*th.fiber, b.scheduler_);
  const bool exists = src_lane >= 0 && static_cast<uint32_t>(src_lane) < wave.lanes;
  if (!exists || b.threads_state_[wave.first + src_lane].shuffles < k) {
    b.Fail(*self, absl::StrCat("shuffle ", k, " reads lane ", src_lane, " of wave ", self->wave,
                               ", which ", exists ? "has returned" : "does not exist"));
    return value;
  }
  return slots[src_lane];
}

void Launcher::Block::Fail(const EmuThread& t, std::string what) {
  if (error_.empty()) {
    error_ = absl::StrCat("block (", t.block_x, ", ", t.block_y, ") thread ", t.thread_x, ": ",
                          what);
  }
}

bool Launcher::Block::Release() {
  bool released = false;
  // A wave whose lanes (those that have not returned) all wait at a shuffle goes on.
  for (const Wave& w : waves_) {
    bool all = true, any = false;
    for (uint32_t i = w.first; i < w.first + w.lanes; ++i) {
      const State s = threads_state_[i].state;
      if (s == State::kDone) continue;
      any = true;
      all = all && s == State::kAtShuffle;
    }
    if (!any || !all) continue;
    for (uint32_t i = w.first; i < w.first + w.lanes; ++i) {
      if (threads_state_[i].state == State::kAtShuffle) threads_state_[i].state = State::kReady;
    }
    released = true;
  }
  if (released) return true;
  // The block's threads (those that have not returned) all at the barrier: it opens.
  bool all = true;
  for (const Thread& th : threads_state_) {
    all = all && (th.state == State::kDone || th.state == State::kAtBarrier);
  }
  if (!all) return false;
  for (Thread& th : threads_state_) {
    if (th.state == State::kAtBarrier) th.state = State::kReady, released = true;
  }
  return released;
}

std::string Launcher::Block::Describe() const {
  std::string s;
  const char* names[] = {"running", "at rf_barrier", "at a shuffle", "returned"};
  for (size_t i = 0; i < threads_state_.size();) {
    size_t j = i;
    while (j + 1 < threads_state_.size() && threads_state_[j + 1].state == threads_state_[i].state)
      ++j;
    absl::StrAppend(&s, s.empty() ? "" : ", ", "threads ", i, "..", j, " ",
                    names[static_cast<int>(threads_state_[i].state)]);
    i = j + 1;
  }
  return s;
}

absl::Status Launcher::Block::RunBlock(uint32_t bx, uint32_t by, Schedule schedule) {
  for (Thread& th : threads_state_) {
    th.t.block_x = bx;
    th.t.block_y = by;
    th.state = State::kReady;
    th.shuffles = 0;
    th.fiber->Prepare(&Block::ThreadMain, &th);
  }
  const int n = static_cast<int>(threads_);
  for (;;) {
    bool ran = false;
    for (int k = 0; k < n; ++k) {
      Thread& th = threads_state_[schedule == Schedule::kForward ? k : n - 1 - k];
      if (th.state != State::kReady) continue;
      ran = true;
      Fiber::Switch(scheduler_, *th.fiber);
    }
    if (!error_.empty()) return absl::InternalError(error_);
    if (ran) continue;
    if (Release()) continue;
    bool all_done = true;
    for (const Thread& th : threads_state_) all_done = all_done && th.state == State::kDone;
    if (all_done) return absl::OkStatus();
    // Nobody can go on. The threads' stacks are abandoned (Prepare starts them afresh).
    return absl::InternalError(
        absl::StrCat("block (", bx, ", ", by, ") deadlocks: ", Describe()));
  }
}

absl::Status Launcher::Block::Run(EmuEntry entry, void** args, Grid grid, Schedule schedule,
                                  absl::string_view kernel) {
  entry_ = entry;
  args_ = args;
  error_.clear();
  for (uint32_t by = 0; by < grid.y; ++by) {
    for (uint32_t bx = 0; bx < grid.x; ++bx) {
      absl::Status s = RunBlock(bx, by, schedule);
      if (!s.ok()) return WithContext(s, absl::StrCat("kernel ", kernel));
    }
  }
  return absl::OkStatus();
}

Launcher::Launcher(int wave_size, Schedule schedule)
    : wave_size_(wave_size), schedule_(schedule) {}
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
  std::unique_ptr<Block>& b = blocks_[block];
  if (b == nullptr) {
    RF_ASSIGN_OR_RETURN(b, Block::Create(block, wave_size_));
  }
  std::lock_guard<std::mutex> lock(LaunchLock());
  return b->Run(entry, args, grid, schedule_, kernel);
}

}  // namespace rf::emu
