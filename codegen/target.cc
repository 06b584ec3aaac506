#include "codegen/target.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rf::codegen {
namespace {

const std::vector<Target>& AllTargets() {
  static const std::vector<Target> kTargets = {
      {"gfx1100", false, 32, 65536, 96, 1024, MatrixUnit::kWmmaGfx11},
      {"gfx1030", false, 32, 65536, 80, 1024, MatrixUnit::kNone},
      {"gfx90a", false, 64, 65536, 104, 1024, MatrixUnit::kMfma},
      {"gfx942", false, 64, 65536, 304, 1024, MatrixUnit::kMfma},
      {"sm_90", true, 32, 49152, 132, 1024, MatrixUnit::kMmaSm80},
  };
  return kTargets;
}

}  // namespace

const char* MatrixUnitName(MatrixUnit unit) {
  switch (unit) {
    case MatrixUnit::kNone:
      return "none";
    case MatrixUnit::kWmmaGfx11:
      return "wmma (gfx11)";
    case MatrixUnit::kMfma:
      return "mfma";
    case MatrixUnit::kMmaSm80:
      return "mma.sync (sm_80+)";
  }
  return "?";
}

absl::StatusOr<Target> FindTarget(absl::string_view name) {
  for (const Target& t : AllTargets()) {
    if (t.name == name) return t;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown target '", name, "' (known: cpu, ",
                                                 absl::StrJoin(TargetNames(), ", "), ")"));
}

std::vector<std::string> TargetNames() {
  std::vector<std::string> names;
  for (const Target& t : AllTargets()) names.push_back(t.name);
  return names;
}

}  // namespace rf::codegen
