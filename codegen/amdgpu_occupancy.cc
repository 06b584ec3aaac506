#include "codegen/amdgpu_occupancy.h"

#include <algorithm>

#include "absl/strings/match.h"

namespace rf::codegen {
namespace {

int DivideCeil(int a, int b) {
  return (a + b - 1) / b;
}
int AlignTo(int a, int b) {
  return DivideCeil(a, b) * b;
}

// Wave32 figures per family (LLVM AMDGPUBaseInfo.cpp); wave64 halves VGPRs and granule on gfx10+.
struct Row {
  const char* arch;
  int total_vgprs_w32;
  int granule_w32;
  int max_waves;
  bool gfx10_plus;
  bool gfx90a_insts;  // unified VGPR/AGPR file: 512 per lane, granule 8, 8 waves; wave64 only
};
constexpr Row kRows[] = {
    {"gfx1100", 1536, 24, 16, true, false},  // 1.5x VGPRs (D134522)
    {"gfx1101", 1536, 24, 16, true, false}, {"gfx1151", 1536, 24, 16, true, false},
    {"gfx1102", 1024, 16, 16, true, false}, {"gfx1103", 1024, 16, 16, true, false},
    {"gfx1030", 1024, 16, 16, true, false},  // gfx10.3: granule 16 in wave32
    {"gfx1031", 1024, 16, 16, true, false}, {"gfx1032", 1024, 16, 16, true, false},
    {"gfx90a", 512, 8, 8, false, true},     {"gfx940", 512, 8, 8, false, true},
    {"gfx941", 512, 8, 8, false, true},     {"gfx942", 512, 8, 8, false, true},
};

}  // namespace

std::optional<AmdgpuLimits> AmdgpuLimitsFor(absl::string_view arch, int wave_size) {
  absl::string_view base = arch.substr(0, arch.find(':'));
  for (const Row& row : kRows) {
    if (base != row.arch) continue;
    AmdgpuLimits l;
    l.arch = row.arch;
    l.wave_size = wave_size;
    l.max_waves_per_simd = row.max_waves;
    l.simds_per_cu = 4;
    if (row.gfx90a_insts) {
      if (wave_size != 64) return std::nullopt;
      l.total_vgprs = row.total_vgprs_w32;
      l.vgpr_granule = row.granule_w32;
      l.lds_bytes_per_cu = 64 * 1024;
      l.max_workgroups_per_cu = 16;
      l.sgprs_limit_occupancy = true;
      return l;
    }
    if (wave_size != 32 && wave_size != 64) return std::nullopt;
    const int scale = wave_size == 32 ? 1 : 2;
    l.total_vgprs = row.total_vgprs_w32 / scale;
    l.vgpr_granule = row.granule_w32 / scale;
    l.lds_bytes_per_cu = 2 * 64 * 1024;  // WGP mode: two CUs' LDS
    l.max_workgroups_per_cu = 32;
    l.sgprs_limit_occupancy = !row.gfx10_plus;
    return l;
  }
  return std::nullopt;
}

Occupancy ComputeOccupancy(const AmdgpuLimits& limits, int vgprs, int sgprs, int lds_bytes,
                           int workgroup_size) {
  const int max_waves = limits.max_waves_per_simd;
  Occupancy o;
  // getNumWavesPerEUWithNumVGPRs
  if (vgprs < limits.vgpr_granule) {
    o.by_vgprs = max_waves;
  } else {
    o.by_vgprs =
        std::min(std::max(limits.total_vgprs / AlignTo(vgprs, limits.vgpr_granule), 1), max_waves);
  }
  // getOccupancyWithNumSGPRs (gfx8/gfx9 thresholds; gfx10+ has a fixed SGPR file per wave)
  if (!limits.sgprs_limit_occupancy) {
    o.by_sgprs = max_waves;
  } else {
    o.by_sgprs = sgprs <= 80 ? 10 : sgprs <= 88 ? 9 : sgprs <= 100 ? 8 : 7;
    o.by_sgprs = std::min(o.by_sgprs, max_waves);
  }
  // getOccupancyWithLocalMemSize: workgroups per CU limited by LDS and by barrier slots, their
  // waves spread over the CU's SIMDs.
  const int waves_per_group = DivideCeil(std::max(workgroup_size, 1), limits.wave_size);
  int groups_by_slots = waves_per_group == 1
                            ? max_waves * limits.simds_per_cu
                            : std::min(max_waves * limits.simds_per_cu / waves_per_group,
                                       limits.max_workgroups_per_cu);
  int groups_by_lds = limits.lds_bytes_per_cu / std::max(lds_bytes, 1);
  if (groups_by_lds == 0 || groups_by_slots == 0) {
    o.by_lds = groups_by_lds == 0 ? 1 : 0;
  } else {
    int waves = std::min(groups_by_slots, groups_by_lds) * waves_per_group;
    o.by_lds = std::min(DivideCeil(waves, limits.simds_per_cu), max_waves);
  }

  o.waves_per_simd = std::min({o.by_vgprs, o.by_sgprs, o.by_lds});
  if (o.waves_per_simd == max_waves) {
    o.limiter = "waves";
  } else if (o.waves_per_simd == o.by_vgprs) {
    o.limiter = "VGPRs";
  } else if (o.waves_per_simd == o.by_lds) {
    o.limiter = groups_by_lds < groups_by_slots ? "LDS" : "workgroup size";
  } else {
    o.limiter = "SGPRs";
  }
  return o;
}

}  // namespace rf::codegen
