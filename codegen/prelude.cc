#include "codegen/prelude.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rf::codegen {
namespace {

constexpr char kPreludeHip[] =
#include "codegen/prelude_hip.inc"
    ;

constexpr char kPreludeCuda[] =
#include "codegen/prelude_cuda.inc"
    ;

}  // namespace

KernelDialect DialectForArch(absl::string_view arch) {
  return absl::StartsWith(arch, "sm_") ? KernelDialect::kCuda : KernelDialect::kHip;
}

absl::string_view KernelPrelude(KernelDialect dialect) {
  return dialect == KernelDialect::kCuda ? kPreludeCuda : kPreludeHip;
}

std::string WithPrelude(KernelDialect dialect, absl::string_view body) {
  return absl::StrCat(KernelPrelude(dialect), "#line 1\n", body);
}

}  // namespace rf::codegen
