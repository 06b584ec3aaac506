// Compiles kernel source text to a code object with hipRTC (NVRTC behind the CUDA shim) for one
// GPU architecture. It needs no device: the architecture is given (Device::info().arch at run
// time; any "gfxNNNN" or "sm_XY" for offline checks). Pair with BuildKernels (kernel_build.h) for
// the on-disk cache and parallel compiles:
//
//   RF_ASSIGN_OR_RETURN(auto compiler, KernelCompiler::Create(device.info().arch));
//   RF_ASSIGN_OR_RETURN(auto codes, BuildKernels(kernels, {compiler.target(), &cache},
//   compiler.AsFunction()));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/hip/kernel_build.h"

namespace rf::hip {

// The options every kernel is compiled with unless the caller says otherwise.
std::vector<std::string> DefaultKernelOptions();

class KernelCompiler {
 public:
  // A compiler for `arch` with `options` (hipRTC's spelling: -O3, -DNAME=V, -std=c++17; the CUDA
  // shim translates them for NVRTC). Fails for gfx11 on hipRTC 5.2, which aborts the process on it.
  static absl::StatusOr<KernelCompiler> Create(
      std::string arch, std::vector<std::string> options = DefaultKernelOptions());

  // What the code objects depend on besides the source: arch, compiler version, options.
  const KernelTarget& target() const { return target_; }

  // The code object of `kernel`. A failure names the kernel and the architecture and carries the
  // compiler's log.
  absl::StatusOr<std::string> Compile(const KernelSource& kernel) const;

  // Compile as a CompileFunction for BuildKernels.
  CompileFunction AsFunction() const {
    return [this](const KernelSource& k) { return Compile(k); };
  }

 private:
  KernelCompiler(KernelTarget target, bool serialize)
      : target_(std::move(target)), serialize_(serialize) {}
  KernelTarget target_;
  bool serialize_;  // one compile at a time in the process (hipRTC of HIP 5.x)
};

// "hipRTC (HIP 5.2.21153)" or "NVRTC 13.0 (CUDA runtime 13000)": changes whenever the compiler
// may produce different code, so it is part of the cache key.
absl::StatusOr<std::string> HiprtcCompilerVersion();

}  // namespace rf::hip
