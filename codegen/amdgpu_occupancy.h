// How many waves of a kernel fit on one SIMD of an AMD GPU at once (occupancy), from its register
// and LDS use. Latency hiding on AMD GPUs comes from switching between resident waves; a GEMV that
// reads memory needs several per SIMD to keep the memory system busy.
//
// The limits and formulas are LLVM's, which are what the compiler itself uses to report
// "Occupancy [waves/SIMD]" (-Rpass-analysis=kernel-resource-usage; our tests check that we agree):
//   llvm/lib/Target/AMDGPU/Utils/AMDGPUBaseInfo.cpp: getTotalNumVGPRs, getVGPRAllocGranule,
//     getMaxWavesPerEU, getNumWavesPerEUWithNumVGPRs, getLocalMemorySize (doubled in WGP mode),
//     getEUsPerCU, getMaxWorkGroupsPerCU; getOccupancyWithNumSGPRs (only before gfx10).
//   llvm/lib/Target/AMDGPU/AMDGPUSubtarget.cpp: getOccupancyWithLocalMemSize.
// gfx1100 (Navi31) and gfx1101 have 1.5x the VGPRs of other gfx11 parts (LLVM D134522, feature
// "1_5xVGPRs"): 1536 per SIMD lane in wave32 (192 KiB per SIMD), allocated in blocks of 24; at
// most 16 waves per SIMD (gfx10.3+); 64 KiB of LDS per workgroup, 128 KiB per WGP shared by its 4
// SIMDs in the default WGP mode.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rf::codegen {

struct AmdgpuLimits {
  std::string arch;  // "gfx1100"
  int wave_size = 32;
  int total_vgprs = 0;   // per SIMD lane, for this wave size (VGPRs + AGPRs where unified)
  int vgpr_granule = 0;  // VGPRs are allocated to a wave in blocks of this many
  int max_waves_per_simd = 0;
  int simds_per_cu = 4;                // "EUs per CU": a WGP's 4 SIMD32s on gfx10+ in WGP mode
  int lds_bytes_per_cu = 0;            // LDS that the workgroups on one CU (WGP) share
  int max_workgroups_per_cu = 0;       // barrier slots: 32 on gfx10+ (WGP mode), 16 before
  bool sgprs_limit_occupancy = false;  // true before gfx10 (gfx9: CDNA)
};

// The limits of `arch` ("gfx1100", "gfx90a:sramecc+:xnack-": target features are ignored) running
// `wave_size`-lane waves; nullopt for an architecture we have no table for.
std::optional<AmdgpuLimits> AmdgpuLimitsFor(absl::string_view arch, int wave_size);

struct Occupancy {
  int waves_per_simd = 0;  // min of the three below
  int by_vgprs = 0;
  int by_sgprs = 0;
  int by_lds = 0;  // LDS and workgroup slots, for this workgroup size
  // What limits it: "VGPRs", "SGPRs", "LDS", "workgroup size" (barrier slots), or "waves" (none:
  // the hardware maximum).
  const char* limiter = "";
};

// Waves per SIMD of a kernel that uses `vgprs` VGPRs (the code object's .vgpr_count, AGPRs
// included on gfx90a), `sgprs` SGPRs, `lds_bytes` of LDS per workgroup, in workgroups of at most
// `workgroup_size` threads (.max_flat_workgroup_size).
Occupancy ComputeOccupancy(const AmdgpuLimits& limits, int vgprs, int sgprs, int lds_bytes,
                           int workgroup_size);

}  // namespace rf::codegen
