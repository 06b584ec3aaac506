// Kernel libraries for the CPU emulator. A plan's kernel source is complete (the target's prelude
// is part of it); the emulator takes it apart (codegen::SplitKernelSource), puts its own prelude
// (codegen/prelude_emu.inc) in the target's place and RF_EMU_ENTRY(name) after the body, and
// compiles that with the host's C++ compiler into one shared library per kernel:
//
//   c++ -std=c++20 -O1 -fPIC -shared -fno-strict-aliasing -ffp-contract=off -x c++ - -o k.so
//
// (plus -fsanitize=address -g when this program is built with AddressSanitizer, so that kernels'
// accesses are checked too). Libraries are cached on disk like GPU code objects (runtime/hip/
// kernel_cache.h; key: the emulator source, the compiler's --version line and the flags), built
// on a few threads, and loaded with dlopen (RTLD_LOCAL: every library its own symbols and its own
// `static` shared memory).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/emu/emu_abi.h"
#include "runtime/hip/kernel_build.h"
#include "runtime/plan/plan.h"

namespace rf::emu {

struct EmuBuildOptions {
  std::string cache_dir;  // "": hip::KernelCache::DefaultDirectory(); "-": no cache
  int threads = 0;        // compiles at once; 0: every hardware thread
  std::string compiler;   // "": $RF_EMU_CXX, else c++ or g++ from PATH
  std::string opt = "-O1";
};

// The emulator's source for a complete kernel source (plan::Kernel::source) whose entry point is
// `name`; the wave size comes from the source's own `#define RF_WAVE_SIZE`.
absl::StatusOr<std::string> EmuKernelSource(absl::string_view name, absl::string_view source);

// The wave size a complete kernel source defines (RF_WAVE_SIZE), or an error.
absl::StatusOr<int> KernelWaveSize(absl::string_view source);

struct EmuKernel {
  std::string name;
  EmuEntry entry = nullptr;
  int params = 0;  // the kernel's parameter count
};

// Loaded kernel libraries; unloaded (and their files removed) on destruction.
class EmuModules {
 public:
  // Builds (or takes from the cache) and loads `kernels` (name + emulator source, in order).
  static absl::StatusOr<std::unique_ptr<EmuModules>> Build(
      std::span<const hip::KernelSource> kernels, const EmuBuildOptions& options,
      hip::KernelBuildStats* stats = nullptr);
  ~EmuModules();

  size_t size() const { return kernels_.size(); }
  const EmuKernel& kernel(size_t i) const { return kernels_[i]; }
  const std::string& dir() const { return dir_; }

 private:
  EmuModules() = default;
  std::string dir_;  // where the loaded libraries' files are
  std::vector<std::string> files_;
  std::vector<void*> handles_;
  std::vector<EmuKernel> kernels_;
};

}  // namespace rf::emu
