// rf-kcheck: compiles kernel source files (written in the prelude's dialect, without the prelude)
// for one GPU target and says whether each compiles, how long it took, and, for AMD targets, what
// it uses (registers, LDS, scratch, spills, occupancy). The offline kernel check of CI and of
// `scripts/test.sh`; also handy on a kernel that `rfc compile --emit-kernels` wrote out.
//
//   rf-kcheck --target gfx1100 [--via chroot|clang|hiprtc] [--report] [--out DIR] FILE...
//   rf-kcheck --target sm_90 FILE...        (NVRTC: needs a build with RF_HIP_BACKEND=CUDA)
//
// Routes: hiprtc = this build's hipRTC in-process (RF_HIP_BACKEND=AMD: Debian's hipRTC 5.2, fine
// for gfx1030/gfx90a, not gfx11; RF_HIP_BACKEND=CUDA: NVRTC for sm_XY); chroot = HIP 5.7's hipRTC
// in the Debian 13 chroot (scripts/setup-gfx1100-chroot.sh); clang = LLVM's AMDGPU backend.
// Default: sm_* -> hiprtc; gfx11* -> chroot if set up, else clang; other gfx -> hiprtc if this is
// an AMD build, else clang. Exit status: 0 all compiled, 1 some failed, 2 usage or no toolchain.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "codegen/kernel_resources.h"
#include "codegen/offline_compile.h"
#include "codegen/prelude.h"
#include "support/atomic_file.h"
#include "tools/cli.h"
#if defined(RF_HIP_BACKEND_AMD) || defined(RF_HIP_BACKEND_CUDA)
#include <chrono>

#include "runtime/hip/kernel_compiler.h"
#endif

namespace {

const std::vector<rf::cli::FlagSpec> kFlags = {
    {"target", true, "gfx1100, gfx1030, gfx90a, gfx942, sm_90, ..."},
    {"via", true, "hiprtc | chroot | clang (default: see above)"},
    {"complete", false,
     "the files are complete sources with the prelude (rfc compile --emit-kernels)"},
    {"wave", true, "wave size the kernels assume (-DRF_WAVE_SIZE; default 64 on gfx9, else 32)"},
    {"option", true, "extra compiler option, e.g. --option=-DTILE=64", true},
    {"report", false, "print each AMD kernel's registers, LDS, scratch, spills and occupancy"},
    {"out", true, "write each code object to DIR/<file name>.co"},
    {"help", false, "this message"},
};

std::string BaseName(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

std::string DefaultRoute(const std::string& target) {
  if (absl::StartsWith(target, "sm_")) return "hiprtc";
  if (absl::StartsWith(target, "gfx11")) {
    return rf::codegen::CheckHiprtcChroot(rf::codegen::DefaultHiprtcChroot()).ok() ? "chroot"
                                                                                   : "clang";
  }
#if defined(RF_HIP_BACKEND_AMD)
  return "hiprtc";
#else
  return "clang";
#endif
}

struct Compiled {
  std::string code;
  double seconds = 0;
};

absl::StatusOr<Compiled> Compile(const std::string& route, const std::string& name,
                                 const std::string& source, const std::string& target,
                                 const std::vector<std::string>& options) {
  if (route == "clang" || route == "chroot") {
    auto r = route == "clang" ? rf::codegen::CompileAmdgpuWithClang(name, source, target, options)
                              : rf::codegen::CompileWithChrootHiprtc(name, source, target, options);
    if (!r.ok()) return r.status();
    return Compiled{std::move(r->code_object), r->seconds};
  }
#if defined(RF_HIP_BACKEND_AMD) || defined(RF_HIP_BACKEND_CUDA)
  auto compiler = rf::hip::KernelCompiler::Create(target, options);
  if (!compiler.ok()) return compiler.status();
  auto start = std::chrono::steady_clock::now();
  auto code = compiler->Compile({name, source});
  if (!code.ok()) return code.status();
  return Compiled{std::move(*code),
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
#else
  return absl::FailedPreconditionError(
      "this rf-kcheck was built without a HIP backend (RF_HIP_BACKEND=OFF): no hipRTC/NVRTC");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const rf::cli::Usage usage = {"rf-kcheck", "--target ARCH [flags] FILE...", 1, SIZE_MAX};
  int exit_code = 0;
  auto args = rf::cli::ParseCommand(argc, argv, 1, kFlags, usage, &exit_code);
  if (!args) return exit_code;
  if (!args->Has("target")) {
    std::fprintf(stderr, "rf-kcheck: --target is required\n");
    rf::cli::PrintUsage(stderr, kFlags, usage);
    return 2;
  }
  const std::string target = *args->Get("target");
  const std::string route = args->GetOr("via", DefaultRoute(target));
  if (route != "hiprtc" && route != "chroot" && route != "clang") {
    std::fprintf(stderr, "rf-kcheck: --via must be hiprtc, chroot or clang\n");
    return 2;
  }
  const bool cdna = absl::StartsWith(target, "gfx9");
  auto wave = args->GetInt("wave", cdna ? 64 : 32);
  if (!wave.ok()) {
    std::fprintf(stderr, "rf-kcheck: %s\n", std::string(wave.status().message()).c_str());
    return 2;
  }
  std::vector<std::string> options = {"-O3", "-std=c++17", absl::StrCat("-DRF_WAVE_SIZE=", *wave)};
  for (const std::string& o : args->GetAll("option")) options.push_back(o);
  const auto dialect = rf::codegen::DialectForArch(target);

  int failed = 0;
  for (const std::string& path : args->positional()) {
    auto body = rf::ReadFileToString(path);
    if (!body.ok()) {
      std::fprintf(stderr, "rf-kcheck: %s\n", std::string(body.status().message()).c_str());
      return 2;
    }
    const std::string name = BaseName(path);
    const std::string source =
        args->Has("complete") ? *body : rf::codegen::WithPrelude(dialect, *body);
    auto compiled = Compile(route, name, source, target, options);
    if (!compiled.ok()) {
      ++failed;
      std::printf("FAIL  %-8s %-7s %s\n%s\n", target.c_str(), route.c_str(), path.c_str(),
                  std::string(compiled.status().message()).c_str());
      if (compiled.status().code() == absl::StatusCode::kFailedPrecondition) return 2;
      continue;
    }
    std::printf("ok    %-8s %-7s %-40s %6.2f s  %zu bytes\n", target.c_str(), route.c_str(),
                path.c_str(), compiled->seconds, compiled->code.size());
    if (auto out = args->Get("out")) {
      std::string file = absl::StrCat(*out, "/", name, ".", target, ".co");
      auto s = rf::WriteFileAtomically(
          file, {reinterpret_cast<const uint8_t*>(compiled->code.data()), compiled->code.size()});
      if (!s.ok()) std::fprintf(stderr, "rf-kcheck: %s\n", std::string(s.message()).c_str());
    }
    if (args->Has("report") && dialect == rf::codegen::KernelDialect::kHip) {
      auto resources = rf::codegen::ReadKernelResources(compiled->code);
      if (resources.ok()) {
        std::printf("%s", rf::codegen::FormatKernelResources(*resources).c_str());
      } else {
        std::printf("  (no resource report: %s)\n",
                    std::string(resources.status().message()).c_str());
      }
    }
  }
  return failed == 0 ? 0 : 1;
}
