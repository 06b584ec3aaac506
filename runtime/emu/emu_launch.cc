#include "runtime/emu/emu_launch.h"

#include <algorithm>
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

// The fibers of one block size, and the state of the block they are running. Threads hand over
// to one another: one that waits (at a barrier or a shuffle) or returns resumes the next ready
// thread itself; the last to arrive at a barrier or a wave's shuffle makes the waiting threads
// ready again. The scheduler (the calling OS thread) only starts a block and is resumed when no
// thread is ready: the block is done, or deadlocked.
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
    uint32_t live = 0;                  // lanes that have not returned
    uint32_t arrived = 0;               // lanes waiting at the current shuffle
    std::vector<uint32_t> slots[2];     // shuffle k uses slots[k % 2]
    std::vector<uint32_t> gathered[2];  // so does gather k (lane * n + i)
  };

  Block(uint32_t threads, int wave_size) : threads_(threads), wave_size_(wave_size) {}
  absl::Status RunBlock(uint32_t bx, uint32_t by);
  // Makes the threads of [first, first + count) that are in `state` ready, in schedule order.
  void Wake(uint32_t first, uint32_t count, State state);
  void Arrived(Wave& wave);                     // a lane of `wave` arrived at a shuffle or returned
  void AtBarrier();                             // a thread arrived at the barrier or returned
  void Yield(Thread& from, bool done = false);  // runs the next ready thread
  std::string Describe() const;
  void Fail(const EmuThread& t, std::string what);
  static void ThreadMain(void* thread);
  static void Barrier(EmuThread* self);
  static uint32_t Exchange(EmuThread* self, uint32_t value, int32_t src_lane);
  static void Gather(EmuThread* self, const uint32_t* mine, uint32_t n, uint32_t* all);

  const uint32_t threads_;
  const int wave_size_;
  std::vector<Thread> threads_state_;
  std::vector<Wave> waves_;
  // Ready threads, a ring of threads_ entries (a thread is in it at most once).
  std::vector<uint32_t> ready_;
  uint32_t ready_head_ = 0, ready_count_ = 0;
  uint32_t live_ = 0, at_barrier_ = 0;
  Schedule schedule_ = Schedule::kForward;
  Fiber scheduler_;  // this OS thread
  EmuEntry entry_ = nullptr;
  void** args_ = nullptr;
  std::string error_;
};

absl::StatusOr<std::unique_ptr<Launcher::Block>> Launcher::Block::Create(uint32_t threads,
                                                                         int wave_size) {
  std::unique_ptr<Block> b(new Block(threads, wave_size));
  b->threads_state_.resize(threads);
  b->ready_.resize(threads);
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
    th.t.gather = &Block::Gather;
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

void Launcher::Block::Wake(uint32_t first, uint32_t count, State state) {
  for (uint32_t k = 0; k < count; ++k) {
    const uint32_t i = schedule_ == Schedule::kForward ? first + k : first + count - 1 - k;
    Thread& th = threads_state_[i];
    if (th.state != state) continue;
    th.state = State::kReady;
    ready_[(ready_head_ + ready_count_++) % threads_] = i;
  }
}

void Launcher::Block::Arrived(Wave& wave) {
  if (wave.arrived > 0 && wave.arrived == wave.live) {
    wave.arrived = 0;
    Wake(wave.first, wave.lanes, State::kAtShuffle);
  }
}

void Launcher::Block::AtBarrier() {
  if (at_barrier_ > 0 && at_barrier_ == live_) {
    at_barrier_ = 0;
    Wake(0, threads_, State::kAtBarrier);
  }
}

void Launcher::Block::Yield(Thread& from, bool done) {
  if (ready_count_ == 0) {
    Fiber::Switch(*from.fiber, scheduler_, done);
    return;
  }
  Thread& next = threads_state_[ready_[ready_head_]];
  ready_head_ = (ready_head_ + 1) % threads_;
  --ready_count_;
  if (&next != &from) Fiber::Switch(*from.fiber, *next.fiber, done);
}

void Launcher::Block::ThreadMain(void* arg) {
  Thread& th = *static_cast<Thread*>(arg);
  Block& b = *th.block;
  b.entry_(b.args_, &th.t);
  th.state = State::kDone;
  --b.live_;
  Wave& wave = b.waves_[th.t.wave];
  --wave.live;
  b.Arrived(wave);
  b.AtBarrier();
  b.Yield(th, /*done=*/true);
  std::abort();  // a returned thread is never resumed (Prepare starts it afresh)
}

void Launcher::Block::Barrier(EmuThread* self) {
  Thread& th = *static_cast<Thread*>(self->state);
  Block& b = *th.block;
  th.state = State::kAtBarrier;
  ++b.at_barrier_;
  b.AtBarrier();
  b.Yield(th);
}

uint32_t Launcher::Block::Exchange(EmuThread* self, uint32_t value, int32_t src_lane) {
  Thread& th = *static_cast<Thread*>(self->state);
  Block& b = *th.block;
  Wave& wave = b.waves_[self->wave];
  const uint32_t k = ++th.shuffles;
  std::vector<uint32_t>& slots = wave.slots[k % 2];
  slots[self->lane] = value;
  th.state = State::kAtShuffle;
  ++wave.arrived;
  b.Arrived(wave);
  b.Yield(th);
  const bool exists = src_lane >= 0 && static_cast<uint32_t>(src_lane) < wave.lanes;
  if (!exists || b.threads_state_[wave.first + src_lane].shuffles < k) {
    b.Fail(*self, absl::StrCat("shuffle ", k, " reads lane ", src_lane, " of wave ", self->wave,
                               ", which ", exists ? "has returned" : "does not exist"));
    return value;
  }
  return slots[src_lane];
}

void Launcher::Block::Gather(EmuThread* self, const uint32_t* mine, uint32_t n, uint32_t* all) {
  Thread& th = *static_cast<Thread*>(self->state);
  Block& b = *th.block;
  Wave& wave = b.waves_[self->wave];
  const uint32_t k = ++th.shuffles;
  std::vector<uint32_t>& buffer = wave.gathered[k % 2];
  if (buffer.size() < static_cast<size_t>(b.wave_size_) * n) buffer.resize(b.wave_size_ * n);
  std::copy(mine, mine + n, buffer.begin() + self->lane * n);
  th.state = State::kAtShuffle;
  ++wave.arrived;
  b.Arrived(wave);
  b.Yield(th);
  for (uint32_t lane = 0; lane < static_cast<uint32_t>(b.wave_size_); ++lane) {
    if (lane >= wave.lanes || b.threads_state_[wave.first + lane].shuffles < k) {
      b.Fail(*self,
             absl::StrCat("matrix operation ", k, " of wave ", self->wave, " needs lane ", lane,
                          ", which ", lane >= wave.lanes ? "does not exist" : "has returned"));
      std::fill(all, all + static_cast<size_t>(b.wave_size_) * n, 0u);
      return;
    }
  }
  std::copy(buffer.begin(), buffer.begin() + static_cast<size_t>(b.wave_size_) * n, all);
}

void Launcher::Block::Fail(const EmuThread& t, std::string what) {
  if (error_.empty()) {
    error_ =
        absl::StrCat("block (", t.block_x, ", ", t.block_y, ") thread ", t.thread_x, ": ", what);
  }
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

absl::Status Launcher::Block::RunBlock(uint32_t bx, uint32_t by) {
  for (Thread& th : threads_state_) {
    th.t.block_x = bx;
    th.t.block_y = by;
    th.state = State::kAtBarrier;  // woken below
    th.shuffles = 0;
    th.fiber->Prepare(&Block::ThreadMain, &th);
  }
  for (Wave& w : waves_) w.live = w.lanes, w.arrived = 0;
  live_ = threads_;
  at_barrier_ = 0;
  ready_head_ = ready_count_ = 0;
  Wake(0, threads_, State::kAtBarrier);
  const uint32_t first = ready_[ready_head_];
  ready_head_ = (ready_head_ + 1) % threads_;
  --ready_count_;
  Fiber::Switch(scheduler_, *threads_state_[first].fiber);
  // Back here when no thread is ready.
  if (!error_.empty()) return absl::InternalError(error_);
  if (live_ == 0) return absl::OkStatus();
  // Nobody can go on. The threads' stacks are abandoned (Prepare starts them afresh).
  return absl::InternalError(absl::StrCat("block (", bx, ", ", by, ") deadlocks: ", Describe()));
}

absl::Status Launcher::Block::Run(EmuEntry entry, void** args, Grid grid, Schedule schedule,
                                  absl::string_view kernel) {
  entry_ = entry;
  args_ = args;
  schedule_ = schedule;
  error_.clear();
  for (uint32_t by = 0; by < grid.y; ++by) {
    for (uint32_t bx = 0; bx < grid.x; ++bx) {
      absl::Status s = RunBlock(bx, by);
      if (!s.ok()) return WithContext(s, absl::StrCat("kernel ", kernel));
    }
  }
  return absl::OkStatus();
}

Launcher::Launcher(int wave_size, Schedule schedule) : wave_size_(wave_size), schedule_(schedule) {}
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
