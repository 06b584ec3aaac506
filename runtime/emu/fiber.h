// Fibers (user-level threads) for the emulator: a block's GPU threads are fibers on one OS thread,
// switched at barriers and shuffles. A switch costs a few instructions on x86-64 (the callee-saved
// registers and the stack pointer), where an OS thread switch costs microseconds; other machines
// use ucontext. AddressSanitizer is told about every switch (its fiber annotations), so kernels
// built with it run on fibers too.
#pragma once

#include <cstddef>
#include <memory>

#include "absl/status/statusor.h"

namespace rf::emu {

class Fiber {
 public:
  // The calling OS thread's own context: what fibers switch back to.
  Fiber();
  // A fiber with a stack of `stack_bytes` (and a guard page below it, so an overflow faults).
  static absl::StatusOr<std::unique_ptr<Fiber>> Create(size_t stack_bytes);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Makes the next Switch to this fiber run fn(arg) from the top of its stack, discarding whatever
  // it was running. `fn` must never return: it ends by switching away with done = true.
  void Prepare(void (*fn)(void*), void* arg);

  // Saves the running context into `from` and resumes `to`. `done`: `from` will not be resumed
  // (until prepared again).
  static void Switch(Fiber& from, Fiber& to, bool done = false);

 private:
  static void Start(Fiber* fiber);

  void* sp_ = nullptr;  // the saved stack pointer (x86-64) or ucontext
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  const void* stack_bottom_ = nullptr;  // for AddressSanitizer
  size_t stack_size_ = 0;
  void* fake_stack_ = nullptr;
  void (*fn_)(void*) = nullptr;
  void* arg_ = nullptr;
  Fiber* came_from_ = nullptr;  // the fiber that first switched here (learns its stack bounds)
  struct Ucontext;
  std::unique_ptr<Ucontext> uc_;
};

}  // namespace rf::emu
