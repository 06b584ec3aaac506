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

constexpr char kPreludeEmu[] =
#include "codegen/prelude_emu.inc"
    ;

// Every prelude starts with the first and ends with the second; WithPrelude adds the third.
constexpr char kPreludeStart[] = "// ---- ROCmForge prelude: ";
constexpr char kPreludeEnd[] = "// ---- end of prelude ----\n";
constexpr char kLineReset[] = "#line 1\n";

}  // namespace

KernelDialect DialectForArch(absl::string_view arch) {
  return absl::StartsWith(arch, "sm_") ? KernelDialect::kCuda : KernelDialect::kHip;
}

absl::string_view KernelPrelude(KernelDialect dialect) {
  switch (dialect) {
    case KernelDialect::kCuda:
      return kPreludeCuda;
    case KernelDialect::kEmu:
      return kPreludeEmu;
    case KernelDialect::kHip:
      break;
  }
  return kPreludeHip;
}

std::string WithPrelude(KernelDialect dialect, absl::string_view body) {
  return absl::StrCat(KernelPrelude(dialect), kLineReset, body);
}

absl::StatusOr<KernelSourceParts> SplitKernelSource(absl::string_view source) {
  const size_t start = source.find(kPreludeStart);
  const std::string end_marker = absl::StrCat(kPreludeEnd, kLineReset);
  const size_t end = source.find(end_marker);
  if (start == absl::string_view::npos || end == absl::string_view::npos || end < start) {
    return absl::InvalidArgumentError(
        "the kernel source has no ROCmForge prelude followed by '#line 1' (not written by "
        "rfc's codegen?)");
  }
  KernelSourceParts parts;
  parts.defines = std::string(source.substr(0, start));
  parts.body = std::string(source.substr(end + end_marker.size()));
  return parts;
}

}  // namespace rf::codegen
