// Target descriptions: what a GPU offers that the generated kernels specialize on. Kernels take
// their wave size, LDS budget and matrix instructions from here, never from assumptions.
//
//   target    family          wave  LDS/block  CUs   matrix unit
//   gfx1100   RDNA3 (7900 XTX) 32   64 KiB     96    WMMA (v_wmma_f32_16x16x16_f16, wave32)
//   gfx1030   RDNA2 (6900 XT)  32   64 KiB     80    none (dot products on the SIMDs)
//   gfx90a    CDNA2 (MI210/250) 64  64 KiB     104   MFMA (v_mfma_f32_16x16x16f16, wave64)
//   gfx942    CDNA3 (MI300X)   64   64 KiB     304   MFMA
//   sm_90     Hopper (H100)    32   48 KiB*    132   mma.sync m16n8k16 f16 -> f32
// (* without opting in to more.) The CU count is the largest of the family's cards; kernels use
// it only to size split work (attention chunks), never for correctness.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rf::codegen {

enum class MatrixUnit { kNone, kWmmaGfx11, kMfma, kMmaSm80 };
const char* MatrixUnitName(MatrixUnit unit);

struct Target {
  std::string name;     // "gfx1100", "sm_90"
  bool nvidia = false;  // the CUDA dialect of the prelude; otherwise HIP
  int wave_size = 32;
  int lds_bytes = 65536;  // shared memory a block may use without opting in
  int compute_units = 0;
  int max_threads_per_block = 1024;
  MatrixUnit matrix = MatrixUnit::kNone;
};

// The target called `name`, or an error listing the known ones.
absl::StatusOr<Target> FindTarget(absl::string_view name);
std::vector<std::string> TargetNames();

}  // namespace rf::codegen
