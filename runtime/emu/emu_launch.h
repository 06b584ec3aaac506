// Runs emulated kernel launches on the CPU: the grid's blocks one after another, each block's
// threads concurrently on a pool of OS threads (one pool per block size, kept for the launcher's
// life and reused for every block). What a GPU guarantees, and only that, holds:
//   - rf_barrier(): a std::barrier over the block's threads; a thread that returns from the kernel
//     drops out of it (arrive_and_drop), as exited threads stop counting on the hardware
//   - shuffles: lanes of one wave (wave_size consecutive threads) exchange values through the
//     wave's double-buffered slots, one per-wave barrier per shuffle; a lane that returned drops
//     out, and a shuffle that reads such a lane is an error of the launch
//   - shared memory (RF_SHARED, `static` in the kernel library) is shared by the block's threads
//     because only one block runs at a time, in the whole process (a global launch lock)
// Limits: it does not detect data races, divergent barriers (threads of one block at different
// rf_barrier calls meet as if at one) or out-of-bounds accesses (build with AddressSanitizer for
// those that leave the arena); a kernel that deadlocks on the GPU deadlocks here too.
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

class Launcher {
 public:
  explicit Launcher(int wave_size);
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  int wave_size() const { return wave_size_; }

  // Runs `entry` over `grid` with `block` threads per block; args[i] points at parameter i. An
  // error (naming `kernel`) when a thread did something the emulator catches.
  absl::Status Launch(EmuEntry entry, void** args, Grid grid, uint32_t block,
                      absl::string_view kernel);

 private:
  class Pool;
  int wave_size_;
  std::map<uint32_t, std::unique_ptr<Pool>> pools_;  // by block size
};

}  // namespace rf::emu
