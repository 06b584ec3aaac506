// What the offline kernel checks need to find: clang with the AMDGPU target, llvm-readelf, and the
// Debian 13 chroot with HIP 5.7's hipRTC. A missing toolchain skips a test with the reason; with
// RF_REQUIRE_KERNEL_TOOLCHAINS=1 (CI) it fails it instead.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "codegen/kernel_resources.h"
#include "codegen/offline_compile.h"
#include "gtest/gtest.h"
#include "support/subprocess.h"

namespace rf::codegen {

inline bool RequireToolchains() {
  const char* v = std::getenv("RF_REQUIRE_KERNEL_TOOLCHAINS");
  return v != nullptr && std::string(v) == "1";
}

#define RF_TOOLCHAIN_OR_SKIP(status)                                                             \
  do {                                                                                           \
    const absl::Status rf_s_ = (status);                                                         \
    if (!rf_s_.ok()) {                                                                           \
      if (::rf::codegen::RequireToolchains()) FAIL() << "required toolchain missing: " << rf_s_; \
      GTEST_SKIP() << rf_s_;                                                                     \
    }                                                                                            \
  } while (0)

inline absl::Status ClangAvailable() {
  if (!FindAmdgpuClang().empty()) return absl::OkStatus();
  return absl::FailedPreconditionError("no clang for AMDGPU (apt install clang-19 lld-19)");
}

inline absl::Status ReadelfAvailable() {
  if (!FindLlvmReadelf().empty()) return absl::OkStatus();
  return absl::FailedPreconditionError("no llvm-readelf (apt install llvm-19)");
}

inline absl::Status ChrootAvailable() {
  absl::Status s = CheckHiprtcChroot(DefaultHiprtcChroot());
  if (!s.ok() || ::geteuid() == 0) return s;
  auto run = RunProcess({"unshare", "--map-root-user", "true"});
  if (!run.ok() || run->exit_code != 0) {
    return absl::FailedPreconditionError(
        "not root, and user namespaces are unavailable for chroot");
  }
  return absl::OkStatus();
}

}  // namespace rf::codegen
