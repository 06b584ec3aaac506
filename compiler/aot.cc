#include "compiler/aot.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "codegen/offline_compile.h"
#include "support/parallel.h"
#include "support/status.h"

namespace rf::compiler {

absl::StatusOr<codegen::CodeObjectResources> CompileKernelsAheadOfTime(
    plan::Plan& plan, const codegen::Target& target, const AheadOfTimeOptions& options) {
  if (target.nvidia) {
    return absl::InvalidArgumentError(
        absl::StrCat("--aot and --report-kernels need an AMD target (gfx...); ", target.name,
                     " kernels are compiled by NVRTC when the plan is loaded"));
  }
  const std::string clang = codegen::FindAmdgpuClang();
  const std::string readelf = codegen::FindLlvmReadelf();
  if (clang.empty() || readelf.empty()) {
    return absl::FailedPreconditionError(
        "--aot and --report-kernels need clang and llvm-readelf with the AMDGPU target "
        "(apt install clang-19 lld-19 llvm-19, or set RF_CLANG and RF_LLVM_READELF)");
  }
  const std::vector<std::string> compile_options = {"-O3", "-std=c++17"};
  const int64_t n = static_cast<int64_t>(plan.kernels.size());
  std::vector<absl::StatusOr<codegen::CodeObjectResources>> results(
      n, absl::UnknownError("not compiled"));
  ParallelFor(n, 1, ResolveThreads(options.threads), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      plan::Kernel& k = plan.kernels[i];
      absl::StatusOr<codegen::OfflineCompileResult> compiled =
          codegen::CompileAmdgpuWithClang(k.name, k.source, target.name, compile_options, clang);
      if (!compiled.ok()) {
        results[i] = compiled.status();
        continue;
      }
      results[i] = codegen::ReadKernelResources(compiled->code_object, readelf);
      if (options.store_code_objects) {
        k.code_object.assign(compiled->code_object.begin(), compiled->code_object.end());
      }
    }
  });
  codegen::CodeObjectResources all;
  for (int64_t i = 0; i < n; ++i) {
    if (!results[i].ok()) {
      return WithContext(results[i].status(), absl::StrCat("kernel ", plan.kernels[i].name));
    }
    if (all.target.empty()) {
      all.target = results[i]->target;
      all.arch = results[i]->arch;
    }
    for (codegen::KernelResources& r : results[i]->kernels) all.kernels.push_back(std::move(r));
  }
  return all;
}

}  // namespace rf::compiler
