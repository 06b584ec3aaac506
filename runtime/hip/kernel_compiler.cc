#include "runtime/hip/kernel_compiler.h"

#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runtime/hip/hip_status.h"

namespace rf::hip {
namespace {

// Frees a hipRTC program on every path out of Compile.
class Program {
 public:
  explicit Program(hiprtcProgram p) : p_(p) {}
  ~Program() { hiprtcDestroyProgram(&p_); }
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  hiprtcProgram get() const { return p_; }

 private:
  hiprtcProgram p_;
};

std::string ProgramLog(hiprtcProgram p) {
  size_t size = 0;
  if (hiprtcGetProgramLogSize(p, &size) != HIPRTC_SUCCESS || size <= 1) return "";
  std::string log(size, '\0');
  if (hiprtcGetProgramLog(p, log.data()) != HIPRTC_SUCCESS) return "";
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

}  // namespace

std::vector<std::string> DefaultKernelOptions() {
  return {"-O3", "-std=c++17"};
}

absl::StatusOr<std::string> HiprtcCompilerVersion() {
#if defined(RF_HIP_BACKEND_AMD)
  // hiprtcVersion reports a fixed 9.0 in HIP 5.x, so the HIP runtime's version stands for it.
  int v = 0;
  RF_HIP_RETURN_IF_ERROR(hipRuntimeGetVersion(&v));
  return absl::StrCat("hipRTC (HIP ", v / 10000000, ".", (v / 100000) % 100, ".", v % 100000, ")");
#else
  int major = 0, minor = 0, runtime = 0;
  if (hiprtcResult r = hiprtcVersion(&major, &minor); r != HIPRTC_SUCCESS) {
    return HiprtcError(r, "hiprtcVersion");
  }
  RF_HIP_RETURN_IF_ERROR(hipRuntimeGetVersion(&runtime));
  return absl::StrCat("NVRTC ", major, ".", minor, " (CUDA runtime ", runtime, ")");
#endif
}

absl::StatusOr<KernelCompiler> KernelCompiler::Create(std::string arch,
                                                      std::vector<std::string> options) {
  if (arch.empty()) return absl::InvalidArgumentError("kernel compiler: no target architecture");
  RF_ASSIGN_OR_RETURN(std::string version, HiprtcCompilerVersion());
#if defined(RF_HIP_BACKEND_AMD)
  // Debian 12's hipRTC (HIP 5.2) aborts inside comgr when asked for gfx11 (../shared/TOOLCHAIN.md);
  // refuse before it can take the process down. HIP 5.7.1 is known to work.
  int v = 0;
  RF_HIP_RETURN_IF_ERROR(hipRuntimeGetVersion(&v));
  if (absl::StartsWith(arch, "gfx11") && v / 100000 <= 502) {
    return absl::FailedPreconditionError(
        absl::StrCat("hipRTC of ", version, " cannot compile for ", arch,
                     " (it aborts on gfx11); use ROCm >= 5.7, or compile ahead of time with clang "
                     "(rfc compile --aot)"));
  }
#endif
  KernelTarget target;
  target.arch = std::move(arch);
  target.compiler_version = std::move(version);
  target.options = std::move(options);
  bool serialize = false;
#if defined(RF_HIP_BACKEND_AMD)
  serialize = v / 10000000 < 6;
#endif
  return KernelCompiler(std::move(target), serialize);
}

absl::StatusOr<std::string> KernelCompiler::Compile(const KernelSource& kernel) const {
  const std::string what = absl::StrCat("kernel '", kernel.name, "' for ", target_.arch);
  // hipRTC of HIP 5.x is not safe to call from two threads at once: comgr runs clang in-process
  // over LLVM's global option registry ("CommandLine Error: Option 'h' registered more than once",
  // heap corruption: a quarter to a half of the runs of a 4-kernel parallel build on HIP 5.2).
  // Those versions compile one kernel at a time (the on-disk cache makes that a first-load cost);
  // NVRTC and HIP >= 6 keep BuildKernels' parallel pool.
  static std::mutex serial_hiprtc;
  std::unique_lock<std::mutex> lock(serial_hiprtc, std::defer_lock);
  if (serialize_) lock.lock();
  std::string file_name = kernel.name + ".hip";
  hiprtcProgram raw = nullptr;
  if (hiprtcResult r =
          hiprtcCreateProgram(&raw, kernel.source.c_str(), file_name.c_str(), 0, nullptr, nullptr);
      r != HIPRTC_SUCCESS) {
    return HiprtcError(r, absl::StrCat(what, ": hiprtcCreateProgram"));
  }
  Program program(raw);
  std::vector<std::string> args = target_.options;
  args.push_back("--offload-arch=" + target_.arch);
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  if (hiprtcResult r =
          hiprtcCompileProgram(program.get(), static_cast<int>(argv.size()), argv.data());
      r != HIPRTC_SUCCESS) {
    return HiprtcError(r, absl::StrCat(what, ": hiprtcCompileProgram"), ProgramLog(program.get()));
  }
  size_t size = 0;
  if (hiprtcResult r = hiprtcGetCodeSize(program.get(), &size); r != HIPRTC_SUCCESS) {
    return HiprtcError(r, absl::StrCat(what, ": hiprtcGetCodeSize"));
  }
  std::string code(size, '\0');
  if (hiprtcResult r = hiprtcGetCode(program.get(), code.data()); r != HIPRTC_SUCCESS) {
    return HiprtcError(r, absl::StrCat(what, ": hiprtcGetCode"));
  }
  if (code.empty()) return absl::InternalError(absl::StrCat(what, ": empty code object"));
  return code;
}

}  // namespace rf::hip
