// The prelude every emitted kernel starts with: a few dozen lines of text that give the kernel
// body one dialect on every backend, so that the same body compiles with hipRTC for AMD, with
// NVRTC for NVIDIA (through the HIP-to-CUDA shim), offline with clang for checks, and with the
// host's g++ for the CPU emulator (runtime/emu), which swaps a plan's prelude for its own.
//
// Emitted sources include NO HIP or CUDA header: hipRTC pre-includes HIP's device headers (and
// including hip_fp16.h again redefines __half_raw), and NVRTC needs none for the basics. The HIP
// prelude uses clang builtins only, so it also compiles with `clang -nogpuinc -nogpulib`, without
// any ROCm package (the same builtins HIP's own amd_device_functions.h uses).
//
// What a kernel body may use (same names and meaning in every prelude):
//   i8 u8 i16 u16 i32 u32 i64 u64 f32; u32x2 u32x4 f32x2 f32x4 (aligned, for wide loads: .x .y .z
//   .w) RF_KERNEL RF_LAUNCH_BOUNDS(threads) void name(...)   -- an extern "C" kernel entry point
//   RF_DEVICE f32 helper(...)                          -- an inlined device function
//   RF_SHARED f32 tile[N];  RF_RESTRICT                -- LDS / shared memory; no-alias pointers
//   rf_thread_x/y/z() rf_block_x/y/z() rf_lane_id() rf_barrier()
//   rf_half_to_f32(u16) rf_f32_to_half(f32) rf_bf16_to_f32(u16) rf_bits_to_f32(u32)
//   rf_f32_to_bits(f32) rf_shfl_xor(v, lane_mask, width) rf_shfl_down(v, delta, width)   (i32 or
//   f32; width: the
//       group of lanes, a power of two <= the wave size; wave32 on gfx10/11 and NVIDIA, 64 on CDNA)
//   rf_exp rf_sqrt rf_rsqrt rf_fma rf_max rf_min rf_sin rf_cos (f32), rf_rint (double)
// There is no blockDim/gridDim: launch shapes are compile-time constants of the emitted source.
// If the source defines RF_WAVE_SIZE (the target description's wave size), the prelude checks it
// against the compiler's (static_assert), so a kernel built for the wrong wave size cannot compile.
// The emulator's prelude requires it (its waves are as wide as the plan says).
//
// half <-> float uses the hardware conversion on both (v_cvt_f32_f16 / cvt.f32.f16: exact;
// v_cvt_f16_f32 / cvt.rn.f16.f32: round to nearest even), which gives the same bits as
// support/half.h (the emulator runs that code). f32 division and sqrt are IEEE on both by default
// (HIP's -fhip-fp32-correctly-rounded-divide-sqrt, NVRTC's -prec-div/-prec-sqrt); rf_exp is not
// bit-identical across backends (ocml/LLVM vs CUDA's expf vs glibc's expf, all within 2 ulp), and
// the GPU compilers contract a * b + c into FMAs where the emulator (-ffp-contract=off) does not.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rf::codegen {

enum class KernelDialect { kHip, kCuda, kEmu };

// kCuda for NVIDIA architectures ("sm_90"), kHip for everything else ("gfx1100", "gfx90a:...").
// (kEmu is never a device's: the emulator asks for it.)
KernelDialect DialectForArch(absl::string_view arch);

// The prelude text for `dialect`.
absl::string_view KernelPrelude(KernelDialect dialect);

// prelude + body, with a #line so that compiler messages count lines of `body` from 1.
std::string WithPrelude(KernelDialect dialect, absl::string_view body);

// A complete kernel source (plan::Kernel::source, as codegen::GenerateKernels writes it:
// `#define RF_WAVE_SIZE n`, then WithPrelude's prelude, `#line 1` and the body) taken apart: what
// comes before the prelude, and the body. An error when the text does not have that form (a plan
// written by another producer, or a source edited by hand).
struct KernelSourceParts {
  std::string defines;
  std::string body;
};
absl::StatusOr<KernelSourceParts> SplitKernelSource(absl::string_view source);

}  // namespace rf::codegen
