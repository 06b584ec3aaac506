#include "codegen/offline_compile.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "absl/strings/str_cat.h"
#include "support/atomic_file.h"
#include "support/status.h"
#include "support/subprocess.h"

namespace rf::codegen {
namespace {

constexpr char kChrootCompiler[] = "/opt/rocmforge/rf-hiprtc-compile";

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// A private temporary directory, removed with its files when this goes out of scope.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/rf-kernel-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    if (path_.empty()) return;
    for (const char* f : {"/kernel.hip", "/kernel.co"}) ::unlink((path_ + f).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

std::string FindAmdgpuClang() {
  const char* env = std::getenv("RF_CLANG");
  return FindExecutable(
      {env != nullptr ? env : "", "/usr/lib/llvm-19/bin/clang++", "/opt/rocm/llvm/bin/clang++"});
}

absl::StatusOr<OfflineCompileResult> CompileAmdgpuWithClang(absl::string_view name,
                                                            absl::string_view source,
                                                            absl::string_view arch,
                                                            const std::vector<std::string>& options,
                                                            const std::string& clang) {
  const std::string what = absl::StrCat("kernel '", name, "' for ", arch, " (clang)");
  if (clang.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        what, ": no clang with the AMDGPU target (apt install clang-19 lld-19, or set RF_CLANG)"));
  }
  TempDir tmp;
  if (tmp.path().empty())
    return absl::InternalError(what + ": cannot create a temporary directory");
  const std::string in = tmp.path() + "/kernel.hip", out = tmp.path() + "/kernel.co";
  RF_RETURN_IF_ERROR(WriteFileAtomically(
      in,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(source.data()), source.size())));
  std::vector<std::string> argv = {clang,
                                   "-x",
                                   "hip",
                                   absl::StrCat("--offload-arch=", arch),
                                   "--cuda-device-only",
                                   "--no-gpu-bundle-output",
                                   "-nogpuinc",
                                   "-nogpulib"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.insert(argv.end(), {"-c", in, "-o", out});
  auto start = std::chrono::steady_clock::now();
  RF_ASSIGN_OR_RETURN(ProcessResult run, RunProcess(argv));
  OfflineCompileResult result;
  result.seconds = SecondsSince(start);
  result.log = run.err;
  if (run.exit_code != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": clang exited with ", run.exit_code, "\ncompiler log:\n", run.err));
  }
  RF_ASSIGN_OR_RETURN(result.code_object, ReadFileToString(out));
  return result;
}

std::string DefaultHiprtcChroot() {
  if (const char* dir = std::getenv("RF_TRIXIE_DIR"); dir != nullptr && *dir != '\0') return dir;
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : "", "/.cache/rocmforge/trixie");
}

absl::Status CheckHiprtcChroot(const std::string& dir) {
  if (!FileExists(dir + kChrootCompiler)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no hipRTC chroot at ", dir, " (run scripts/setup-gfx1100-chroot.sh, ~30 s, ~700 MB)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<OfflineCompileResult> CompileWithChrootHiprtc(
    absl::string_view name, absl::string_view source, absl::string_view arch,
    const std::vector<std::string>& options, const std::string& dir) {
  const std::string what = absl::StrCat("kernel '", name, "' for ", arch, " (hipRTC in ", dir, ")");
  RF_RETURN_IF_ERROR(CheckHiprtcChroot(dir));
  std::vector<std::string> argv;
  if (::geteuid() != 0) argv = {"unshare", "--map-root-user"};
  argv.insert(argv.end(), {"chroot", dir, kChrootCompiler, "--name", absl::StrCat(name, ".hip"),
                           absl::StrCat("--offload-arch=", arch)});
  argv.insert(argv.end(), options.begin(), options.end());
  auto start = std::chrono::steady_clock::now();
  RF_ASSIGN_OR_RETURN(ProcessResult run, RunProcess(argv, source));
  OfflineCompileResult result;
  result.seconds = SecondsSince(start);
  result.log = run.err;
  if (run.exit_code != 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": exit ", run.exit_code, "\n", run.err));
  }
  result.code_object = std::move(run.out);
  return result;
}

}  // namespace rf::codegen
