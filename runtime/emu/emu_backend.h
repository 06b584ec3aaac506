// The emu backend: a GPU plan's kernels run on the CPU, exactly as written, so that the generated
// kernels can be checked without a GPU (in CI, against the cpu backend). It has the hip backend's
// arena (one allocation, weights copied in, the rest zeroed, the workspace included) and its launch
// rules (grid.x = grid_base + grid_per_tile * ceil(T / token_tile), grid.y = grid_y; arguments:
// the instruction's operand and result pointers, the step scalars, the workspace; the decode
// program for one token, prefill for more); each kernel is compiled by the host's C++ compiler
// with the emulator's prelude (emu_module.h) and launched on emulated blocks whose threads are
// fibers (emu_launch.h says what is emulated and what is not). Any GPU target: its hardware is
// ignored but for the wave size its kernels were written for. Slow (a thread switch at every
// barrier and shuffle): a stories260K step takes ~20 ms, a 3-layer n_embd 256 model's ~60 ms.
// Built with AddressSanitizer, each instruction's kernels may touch only its own tensors.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "runtime/backend.h"
#include "runtime/emu/emu_launch.h"
#include "runtime/emu/emu_module.h"
#include "runtime/plan/plan.h"

namespace rf::emu {

struct EmuBackendOptions {
  EmuBuildOptions build;
  // The order a block's threads run in between barriers and shuffles (emu_launch.h): the results
  // of race-free kernels do not depend on it, bit for bit.
  Schedule schedule = Schedule::kForward;
};

absl::StatusOr<std::unique_ptr<Backend>> CreateEmuBackend(
    std::shared_ptr<const plan::PlanFile> plan, const EmuBackendOptions& options = {});

}  // namespace rf::emu
