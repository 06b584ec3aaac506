// Compiling kernel sources for AMD GPUs without a GPU and without the project's hipRTC:
//  - clang's AMDGPU backend (LLVM 19 here; ROCm's clang on users' machines): code objects ahead of
//    time (`rfc compile --aot`) and the offline gfx1100 check. With -nogpuinc -nogpulib, so only
//    the prelude's clang builtins are available, exactly what emitted kernels may use.
//  - a REAL hipRTC for gfx1100: HIP 5.7.1's, inside the Debian 13 chroot that
//    scripts/setup-gfx1100-chroot.sh builds (Debian 12's hipRTC 5.2.3 aborts on gfx11).
// Sources are complete (prelude included); options are hipRTC's spelling (-O3, -DX=1, -std=c++17),
// which clang understands as well.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rf::codegen {

struct OfflineCompileResult {
  std::string code_object;
  std::string log;     // the compiler's messages (warnings, remarks), even on success
  double seconds = 0;  // wall time of the compile
};

// clang++ for the AMDGPU target: $RF_CLANG, LLVM 19's, ROCm's; "" if none is installed.
std::string FindAmdgpuClang();

absl::StatusOr<OfflineCompileResult> CompileAmdgpuWithClang(
    absl::string_view name, absl::string_view source, absl::string_view arch,
    const std::vector<std::string>& options, const std::string& clang = FindAmdgpuClang());

// The chroot: $RF_TRIXIE_DIR, else ~/.cache/rocmforge/trixie (the setup script's default).
std::string DefaultHiprtcChroot();

// OK when `dir` holds a finished setup; FailedPrecondition saying how to make one otherwise.
absl::Status CheckHiprtcChroot(const std::string& dir);

// Compiles with rf-hiprtc-compile inside the chroot (as root: chroot; otherwise in a user
// namespace: unshare --map-root-user chroot).
absl::StatusOr<OfflineCompileResult> CompileWithChrootHiprtc(
    absl::string_view name, absl::string_view source, absl::string_view arch,
    const std::vector<std::string>& options, const std::string& dir = DefaultHiprtcChroot());

}  // namespace rf::codegen
