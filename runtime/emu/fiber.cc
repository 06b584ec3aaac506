#include "runtime/emu/fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "absl/strings/str_cat.h"

#if defined(__SANITIZE_ADDRESS__)
#define RF_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RF_EMU_ASAN 1
#endif
#endif
#if defined(RF_EMU_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace rf::emu {

#if defined(__x86_64__)
// rf_emu_switch(void** save_sp, void* load_sp): pushes the callee-saved registers, saves the stack
// pointer, loads the other one and pops its registers; `ret` resumes it. A fresh stack is laid out
// as if it had been switched away from with rf_emu_trampoline as the return address, which calls
// rbx(r12) = Fiber::Start(fiber).
extern "C" void rf_emu_switch(void** save_sp, void* load_sp);
extern "C" void rf_emu_trampoline();
asm(R"(
  .text
  .globl rf_emu_switch
  .type rf_emu_switch, @function
rf_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size rf_emu_switch, .-rf_emu_switch
  .globl rf_emu_trampoline
  .type rf_emu_trampoline, @function
rf_emu_trampoline:
  movq %r12, %rdi
  callq *%rbx
  ud2
  .size rf_emu_trampoline, .-rf_emu_trampoline
)");
struct Fiber::Ucontext {};
#else
struct Fiber::Ucontext {
  ucontext_t context;
};
#endif

Fiber::Fiber() {
#if !defined(__x86_64__)
  uc_ = std::make_unique<Ucontext>();
#endif
}

absl::StatusOr<std::unique_ptr<Fiber>> Fiber::Create(size_t stack_bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  stack_bytes = (stack_bytes + page - 1) / page * page;
  void* map = mmap(nullptr, stack_bytes + page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot map a ", stack_bytes, "-byte fiber stack"));
  }
  mprotect(map, page, PROT_NONE);  // the guard page: the stack grows down into it
  std::unique_ptr<Fiber> f(new Fiber());
  f->map_ = map;
  f->map_bytes_ = stack_bytes + page;
  f->stack_bottom_ = static_cast<char*>(map) + page;
  f->stack_size_ = stack_bytes;
  return f;
}

Fiber::~Fiber() {
  if (map_ == nullptr) return;
#if defined(RF_EMU_ASAN)
  // Stack frames leave poisoned shadow behind; the next mapping at these addresses must not see it.
  ASAN_UNPOISON_MEMORY_REGION(const_cast<void*>(stack_bottom_), stack_size_);
#endif
  munmap(map_, map_bytes_);
}

void Fiber::Start(Fiber* fiber) {
#if defined(RF_EMU_ASAN)
  const void* bottom = nullptr;
  size_t size = 0;
  __sanitizer_finish_switch_fiber(nullptr, &bottom, &size);
  if (fiber->came_from_ != nullptr && fiber->came_from_->stack_bottom_ == nullptr) {
    fiber->came_from_->stack_bottom_ = bottom;
    fiber->came_from_->stack_size_ = size;
  }
#endif
  fiber->fn_(fiber->arg_);
  std::abort();  // fn switches away for good instead of returning
}

void Fiber::Prepare(void (*fn)(void*), void* arg) {
  fn_ = fn;
  arg_ = arg;
  char* top = static_cast<char*>(map_) + map_bytes_;
#if defined(RF_EMU_ASAN)
  // The frames of whatever ran here before are gone: so is their poisoned shadow.
  ASAN_UNPOISON_MEMORY_REGION(const_cast<void*>(stack_bottom_), stack_size_);
#endif
#if defined(__x86_64__)
  // Popped by rf_emu_switch: r15 r14 r13 r12 rbx rbp, then the return address.
  void** sp = reinterpret_cast<void**>(reinterpret_cast<uintptr_t>(top) & ~uintptr_t{15}) - 7;
  sp[0] = sp[1] = sp[2] = nullptr;                      // r15 r14 r13
  sp[3] = this;                                         // r12: the argument
  sp[4] = reinterpret_cast<void*>(&Fiber::Start);       // rbx: the function
  sp[5] = nullptr;                                      // rbp
  sp[6] = reinterpret_cast<void*>(&rf_emu_trampoline);  // return address
  sp_ = sp;
#else
  getcontext(&uc_->context);
  uc_->context.uc_stack.ss_sp = stack_bottom_;
  uc_->context.uc_stack.ss_size = stack_size_;
  uc_->context.uc_link = nullptr;
  const uintptr_t self = reinterpret_cast<uintptr_t>(this);
  makecontext(&uc_->context, reinterpret_cast<void (*)()>(+[](unsigned hi, unsigned lo) {
    Start(reinterpret_cast<Fiber*>((uintptr_t{hi} << 32) | lo));
  }),
              2, static_cast<unsigned>(self >> 32), static_cast<unsigned>(self));
  (void)top;
#endif
}

void Fiber::Switch(Fiber& from, Fiber& to, bool done) {
  if (to.came_from_ == nullptr) to.came_from_ = &from;
#if defined(RF_EMU_ASAN)
  __sanitizer_start_switch_fiber(done ? nullptr : &from.fake_stack_, to.stack_bottom_,
                                 to.stack_size_);
#else
  (void)done;
#endif
#if defined(__x86_64__)
  rf_emu_switch(&from.sp_, to.sp_);
#else
  swapcontext(&from.uc_->context, &to.uc_->context);
#endif
#if defined(RF_EMU_ASAN)
  __sanitizer_finish_switch_fiber(from.fake_stack_, nullptr, nullptr);
#endif
}

}  // namespace rf::emu
