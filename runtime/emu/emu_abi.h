// The emulator's half of its contract with the kernels it runs: the per-thread record that the
// emulator prelude (codegen/prelude_emu.inc) declares as `rf_emu_thread`, field for field, and
// the entry points RF_EMU_ENTRY defines in every kernel library. Both sides are compiled by the
// same kind of compiler for the same machine, so the layout agrees; rf_emu_abi() (version * 1000 +
// the record's size) is checked at load so that a stale library cannot be called.
#pragma once

#include <cstdint>

namespace rf::emu {

struct EmuThread {
  uint32_t thread_x = 0, block_x = 0, block_y = 0, block_z = 0;
  uint32_t lane = 0, wave = 0;
  void* state = nullptr;  // the launcher's, for the callbacks
  void (*barrier)(EmuThread* self) = nullptr;
  uint32_t (*exchange)(EmuThread* self, uint32_t value, int32_t src_lane) = nullptr;
  // Every lane's n words to every lane of the wave (all[lane * n + i]); the matrix-unit
  // operations of the prelude use it.
  void (*gather)(EmuThread* self, const uint32_t* mine, uint32_t n, uint32_t* all) = nullptr;
};

inline constexpr int32_t kEmuAbiVersion = 2;
inline constexpr int32_t kEmuAbi = kEmuAbiVersion * 1000 + static_cast<int32_t>(sizeof(EmuThread));

// rf_emu_entry: runs the kernel as the thread `self`; args[i] points at parameter i's value.
using EmuEntry = void (*)(void** args, EmuThread* self);
using EmuQuery = int32_t (*)();  // rf_emu_abi, rf_emu_params

}  // namespace rf::emu
