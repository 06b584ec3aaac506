// Runs emulated kernel launches on the CPU: the grid's blocks one after another, each block's
// threads as fibers (fiber.h) on the calling OS thread, switched at rf_barrier and at shuffles.
// What a GPU guarantees, and only that, holds:
//   - rf_barrier(): every thread of the block that has not returned reaches it before any passes
//     it; a thread that returns stops counting, as exited threads do on the hardware
//   - shuffles: the lanes of a wave (wave_size consecutive threads) exchange values through the
//     wave's double-buffered slots; each shuffle waits for every lane of the wave that has not
//     returned, and a shuffle that reads a lane that has returned is an error of the launch
//   - shared memory (RF_SHARED: `static` in the kernel's library) is shared by the block's
//     threads because one block runs at a time (one launch at a time in the process)
// Threads run in order (0, 1, ...) up to their next barrier or shuffle, or in reverse order
// (Schedule::kReverse): a kernel whose results depend on the order has a race between a barrier's
// two sides. A block that cannot go on (threads of one wave split between a barrier and a
// shuffle, or waiting on lanes that returned) is an error ("deadlock"), not a hang.
// Limits: no data race detection beyond the order check; barriers at different places in the code
// meet as one (a divergent barrier is not caught); out-of-bounds accesses are not caught unless
// this program and the kernels are built with AddressSanitizer (emu_module.h); memory is
// sequentially consistent (a missing fence goes unnoticed); blocks never run at the same time, so
// a kernel that waits for another block (a flag spun on) hangs in its first block.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "runtime/emu/emu_abi.h"

namespace rf::emu {

struct Grid {
  uint32_t x = 1, y = 1;
};

enum class Schedule { kForward, kReverse };

class Launcher {
 public:
  explicit Launcher(int wave_size, Schedule schedule = Schedule::kForward);
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  int wave_size() const { return wave_size_; }

  // Runs `entry` over `grid` with `block` threads per block; args[i] points at parameter i. An
  // error (naming `kernel`) when a thread did something the emulator catches.
  absl::Status Launch(EmuEntry entry, void** args, Grid grid, uint32_t block,
                      absl::string_view kernel);

 private:
  class Block;
  int wave_size_;
  Schedule schedule_;
  std::map<uint32_t, std::unique_ptr<Block>> blocks_;  // fibers by block size
};

}  // namespace rf::emu
