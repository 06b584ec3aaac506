// Directed rounding of block scales to f16, shared by the quantizers. Rounding a step size up (and
// a block minimum down) keeps every value of the block inside the grid the stored scales define,
// which is what bounds each format's error to half a step (see quantize.h).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

#include "support/half.h"

namespace rf::quant {

inline constexpr float kMaxF16 = 65504.0f;
inline constexpr uint16_t kMaxF16Bits = 0x7bff;

// The next f16 above / below `h` (finite inputs; the largest finite value saturates).
inline uint16_t F16NextUp(uint16_t h) {
  if ((h & 0x7fffu) == 0) return 0x0001;                 // +-0 -> smallest positive subnormal
  if (h & 0x8000u) return static_cast<uint16_t>(h - 1);  // negative: magnitude shrinks
  return h == kMaxF16Bits ? h : static_cast<uint16_t>(h + 1);
}
inline uint16_t F16NextDown(uint16_t h) {
  if ((h & 0x7fffu) == 0) return 0x8001;
  if (h & 0x8000u) return h == (0x8000u | kMaxF16Bits) ? h : static_cast<uint16_t>(h + 1);
  return static_cast<uint16_t>(h - 1);
}

// The smallest f16 >= v, for finite v (saturating at +-65504).
inline uint16_t F16Up(float v) {
  v = std::clamp(v, -kMaxF16, kMaxF16);
  uint16_t h = F32ToF16(v);
  if (F16ToF32(h) < v) h = F16NextUp(h);
  return h;
}
// The largest f16 <= v, for finite v (saturating at +-65504).
inline uint16_t F16Down(float v) {
  v = std::clamp(v, -kMaxF16, kMaxF16);
  uint16_t h = F32ToF16(v);
  if (F16ToF32(h) > v) h = F16NextDown(h);
  return h;
}
// The f16 nearest to v in value whose magnitude is >= |v| (a step size that may be negative).
inline uint16_t F16AwayFromZero(float v) {
  return v < 0 ? static_cast<uint16_t>(F16Up(-v) | 0x8000u) : F16Up(v);
}

// The nearest integer to x clamped to [lo, hi] (ties to even; NaN gives lo). Adding 1.5 * 2^23
// leaves round(x) in the low mantissa bits, which is branch-free and vectorizes (nearbyint is a
// library call on baseline x86-64); valid because the clamped x is far below 2^22.
inline int RoundClamp(float x, int lo, int hi) {
  x = x > static_cast<float>(lo) ? x : static_cast<float>(lo);
  x = x < static_cast<float>(hi) ? x : static_cast<float>(hi);
  const float shifted = x + 12582912.0f;
  return static_cast<int>(std::bit_cast<uint32_t>(shifted) & 0x007fffffu) - 0x00400000;
}

}  // namespace rf::quant
