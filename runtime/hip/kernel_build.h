// Gets the code objects of many kernels: each from the on-disk cache (kernel_cache.h) when it is
// there and intact, else compiled (in parallel, on a pool of std::threads) and stored. The compile
// step is a function argument, so this runs the same with hipRTC, NVRTC, clang, or a test's fake.
//
// Every compile makes its own program. NVRTC documents concurrent calls as safe (NVRTC User Guide,
// "Thread Safety"); hipRTC's documentation says nothing either way, and Debian's hipRTC 5.2 has run
// these compiles on several threads without trouble. If a ROCm version proves unsafe,
// KernelBuildOptions::threads = 1 compiles one kernel at a time.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/hip/kernel_cache.h"

namespace rf::hip {

// One kernel to build: its entry point's name (for messages and the symbol to look up) and its
// complete source (prelude included).
struct KernelSource {
  std::string name;
  std::string source;
};

// Compiles one kernel to a code object; the error says why (compiler log included).
using CompileFunction = std::function<absl::StatusOr<std::string>(const KernelSource&)>;

struct KernelBuildStats {
  int cached = 0;    // taken from the cache
  int compiled = 0;  // compiled (cache miss or unusable entry)
  int rebuilt = 0;   // of those, entries that existed but were corrupt, truncated or stale
  double compile_seconds = 0;  // summed over compiles (CPU-side wall time of each)
  double wall_seconds = 0;     // the whole call
};

struct KernelBuildOptions {
  KernelTarget target;
  const KernelCache* cache = nullptr;  // null: compile everything, store nothing
  int threads = 0;                     // 0: std::thread::hardware_concurrency()
};

// The code objects of `kernels`, in order. On failure, the error names every kernel that failed
// (with its compiler log), and, where a cache is given, the file its source was written to
// (<cache>/failed/<name>-<key>.hip) so that it can be read and compiled by hand.
absl::StatusOr<std::vector<std::string>> BuildKernels(std::span<const KernelSource> kernels,
                                                      const KernelBuildOptions& options,
                                                      const CompileFunction& compile,
                                                      KernelBuildStats* stats = nullptr);

}  // namespace rf::hip
