// Runs a program and collects what it wrote: for the tools the compiler drives (clang for
// ahead-of-time AMDGPU code objects, llvm-readelf for their resource notes, the hipRTC compiler in
// the gfx1100 check chroot). No shell is involved: arguments are passed as they are.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rf {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when killed by a signal
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs argv[0] (looked up in PATH if it has no '/') with `argv`, feeding `input` to its stdin.
// SIGPIPE is ignored from then on (a child that exits before reading all its input must not kill
// the caller).
// Fails only if the program cannot be started; a non-zero exit is a result, not an error.
absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         absl::string_view input = "");

// The first of `candidates` that is an executable file (absolute paths, or names found in PATH);
// "" if none is.
std::string FindExecutable(const std::vector<std::string>& candidates);

}  // namespace rf
