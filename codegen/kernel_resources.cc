#include "codegen/kernel_resources.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "support/subprocess.h"

namespace rf::codegen {
namespace {

// Applies one "key: value" field of a kernel's metadata map.
void SetField(KernelResources& k, absl::string_view key, absl::string_view value) {
  int n = 0;
  if (key == ".name") {
    k.name = std::string(value);
    return;
  }
  if (!absl::SimpleAtoi(value, &n)) return;
  if (key == ".vgpr_count") k.vgprs = n;
  if (key == ".agpr_count") k.agprs = n;
  if (key == ".sgpr_count") k.sgprs = n;
  if (key == ".vgpr_spill_count") k.vgpr_spills = n;
  if (key == ".sgpr_spill_count") k.sgpr_spills = n;
  if (key == ".group_segment_fixed_size") k.lds_bytes = n;
  if (key == ".private_segment_fixed_size") k.scratch_bytes = n;
  if (key == ".wavefront_size") k.wave_size = n;
  if (key == ".max_flat_workgroup_size") k.max_workgroup_size = n;
}

// "    .vgpr_count:     9" -> (".vgpr_count", "9").
bool SplitField(absl::string_view line, absl::string_view* key, absl::string_view* value) {
  size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return false;
  *key = absl::StripAsciiWhitespace(line.substr(0, colon));
  *value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  return absl::StartsWith(*key, ".");
}

}  // namespace

absl::StatusOr<CodeObjectResources> ParseAmdgpuNotes(absl::string_view text) {
  // The metadata is YAML: "amdhsa.kernels:" then one "  - " item per kernel whose fields are
  // indented by 4; the kernel's argument list (".args:") is nested deeper and skipped.
  CodeObjectResources result;
  bool in_kernels = false;
  bool seen_kernels = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view key, value;
    if (absl::StartsWith(line, "amdhsa.kernels:")) {
      in_kernels = seen_kernels = true;
      continue;
    }
    if (absl::StartsWith(line, "amdhsa.target:")) {
      absl::string_view target = absl::StripAsciiWhitespace(line.substr(14));
      if (target.size() >= 2 && (target[0] == '\'' || target[0] == '"')) {
        target = target.substr(1, target.size() - 2);  // YAML quotes a value with ':' in it
      }
      result.target = std::string(target);
    }
    if (!line.empty() && line[0] != ' ' && line[0] != '-') in_kernels = false;
    if (!in_kernels) continue;
    if (absl::StartsWith(line, "  - ")) {
      result.kernels.emplace_back();
      line.remove_prefix(4);
    } else if (absl::StartsWith(line, "    ") && line.size() > 4 && line[4] == '.') {
      line.remove_prefix(4);
    } else {
      continue;
    }
    if (!result.kernels.empty() && SplitField(line, &key, &value)) {
      SetField(result.kernels.back(), key, value);
    }
  }
  if (!seen_kernels) {
    return absl::InvalidArgumentError(
        "no AMDGPU kernel metadata (amdhsa.kernels) in the llvm-readelf --notes output");
  }
  // "amdgcn-amd-amdhsa--gfx90a:xnack-" -> "gfx90a:xnack-"
  if (size_t dash = result.target.rfind("--"); dash != std::string::npos) {
    result.arch = result.target.substr(dash + 2);
  }
  for (KernelResources& k : result.kernels) {
    if (auto limits = AmdgpuLimitsFor(result.arch, k.wave_size)) {
      k.occupancy = ComputeOccupancy(*limits, k.vgprs, k.sgprs, k.lds_bytes, k.max_workgroup_size);
    }
  }
  return result;
}

std::string FindLlvmReadelf() {
  const char* env = std::getenv("RF_LLVM_READELF");
  return FindExecutable({env != nullptr ? env : "", "/usr/lib/llvm-19/bin/llvm-readelf",
                         "llvm-readelf-19", "/opt/rocm/llvm/bin/llvm-readelf", "llvm-readelf"});
}

absl::StatusOr<CodeObjectResources> ReadKernelResources(absl::string_view code_object,
                                                        const std::string& readelf) {
  if (readelf.empty()) {
    return absl::FailedPreconditionError(
        "llvm-readelf not found (apt install llvm-19, or set RF_LLVM_READELF)");
  }
  char path[] = "/tmp/rf-code-object-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return absl::InternalError("cannot create a temporary file for the code object");
  bool written = ::write(fd, code_object.data(), code_object.size()) ==
                 static_cast<ssize_t>(code_object.size());
  ::close(fd);
  absl::StatusOr<ProcessResult> run =
      written ? RunProcess({readelf, "--notes", path})
              : absl::StatusOr<ProcessResult>(absl::InternalError("cannot write the code object"));
  ::unlink(path);
  if (!run.ok()) return run.status();
  if (run->exit_code != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(readelf, " --notes failed (exit ", run->exit_code, "): ", run->err));
  }
  return ParseAmdgpuNotes(run->out);
}

std::string FormatKernelResources(const CodeObjectResources& resources) {
  std::string out;
  size_t width = 28;  // names line up however long the longest is
  for (const KernelResources& k : resources.kernels) width = std::max(width, k.name.size());
  for (const KernelResources& k : resources.kernels) {
    absl::StrAppendFormat(&out, "%-*s VGPRs %3d", static_cast<int>(width), k.name, k.vgprs);
    if (k.agprs > 0) absl::StrAppendFormat(&out, " (AGPRs %d)", k.agprs);
    absl::StrAppendFormat(&out, "  SGPRs %3d  LDS %6d B  scratch %4d B  spills %d/%d  wave%d",
                          k.sgprs, k.lds_bytes, k.scratch_bytes, k.vgpr_spills, k.sgpr_spills,
                          k.wave_size);
    if (k.occupancy) {
      auto limits = AmdgpuLimitsFor(resources.arch, k.wave_size);
      absl::StrAppendFormat(&out, "  occupancy %d/%d (%s)", k.occupancy->waves_per_simd,
                            limits->max_waves_per_simd, k.occupancy->limiter);
    }
    out += "\n";
  }
  return out;
}

}  // namespace rf::codegen
