// What each kernel of an AMDGPU code object uses: registers, LDS, scratch, spills, wave size, and
// the occupancy that follows (amdgpu_occupancy.h). Read from the code object's metadata note
// (NT_AMDGPU_METADATA) as `llvm-readelf --notes` prints it, so no ELF or msgpack parser of our own.
// This is what `rfc compile --report-kernels` prints, and what the kernel checks assert on (the
// hot kernels must not spill to scratch on gfx1100).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "codegen/amdgpu_occupancy.h"

namespace rf::codegen {

struct KernelResources {
  std::string name;
  int vgprs = 0;                       // .vgpr_count (AGPRs included where the file is unified)
  int agprs = 0;                       // .agpr_count (gfx90a/gfx94x; 0 elsewhere)
  int sgprs = 0;                       // .sgpr_count
  int vgpr_spills = 0;                 // .vgpr_spill_count
  int sgpr_spills = 0;                 // .sgpr_spill_count
  int lds_bytes = 0;                   // .group_segment_fixed_size (static LDS per workgroup)
  int scratch_bytes = 0;               // .private_segment_fixed_size (per lane)
  int wave_size = 0;                   // .wavefront_size
  int max_workgroup_size = 0;          // .max_flat_workgroup_size
  std::optional<Occupancy> occupancy;  // when the architecture is known
};

struct CodeObjectResources {
  std::string target;  // amdhsa.target: "amdgcn-amd-amdhsa--gfx1100"
  std::string arch;    // "gfx1100" (with target features, if any: "gfx90a:xnack-")
  std::vector<KernelResources> kernels;
};

// Parses `llvm-readelf --notes` output. Occupancy is filled in for architectures with limits.
absl::StatusOr<CodeObjectResources> ParseAmdgpuNotes(absl::string_view readelf_notes);

// llvm-readelf to use: $RF_LLVM_READELF, else LLVM 19's, ROCm's, or any on PATH; "" if none.
std::string FindLlvmReadelf();

// Runs llvm-readelf on `code_object` (its bytes) and parses the result.
absl::StatusOr<CodeObjectResources> ReadKernelResources(
    absl::string_view code_object, const std::string& readelf = FindLlvmReadelf());

// One line per kernel:
//   reduce_sum_squares  VGPRs 9  SGPRs 6  LDS 32 B  scratch 0 B  spills 0/0  wave32  occupancy
//   16/16 (waves)
std::string FormatKernelResources(const CodeObjectResources& resources);

}  // namespace rf::codegen
