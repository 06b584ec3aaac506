// The block layouts of ggml's quantized types, byte for byte as ggml-common.h defines them (the
// GGUF file format stores tensors as arrays of these blocks). Scales stored as f16 are kept as
// their raw bits (uint16_t) and decoded with support/half.h.
//
// Legacy formats: blocks of 32 elements, one f16 scale (and f16 min for the _1 variants).
// K-quants: super-blocks of 256 elements split into sub-blocks of 16 or 32, whose scales (and
// mins) are themselves quantized against one or two f16 super-block scales.
#pragma once

#include <cstdint>

namespace rf::quant {

inline constexpr int kQK = 32;          // elements per legacy block (ggml's QK4_0 .. QK8_0)
inline constexpr int kQKK = 256;        // elements per k-quant super-block (ggml's QK_K)
inline constexpr int kKScaleSize = 12;  // bytes of packed 6-bit scales and mins (K_SCALE_SIZE)

// x = d * (q - 8), q in [0, 15]; byte j holds element j (low nibble) and j + 16 (high nibble).
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// x = d * q + m, q in [0, 15]; nibbles as in Q4_0.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// x = d * (q - 16), q in [0, 31]: low 4 bits as in Q4_0, bit 4 of element i in bit i of qh.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// x = d * q + m, q in [0, 31]; bits as in Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// x = d * q, q in [-127, 127].
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34);

// 16 sub-blocks of 16: x = d * sc * q - dmin * m, q in [0, 3], sc and m 4 bits each
// (scales[i] = sc | m << 4). Element e of each 128-half n: 2-bit field (e % 128) / 32 of
// qs[n / 4 + e % 32].
struct BlockQ2_K {
  uint8_t scales[kQKK / 16];
  uint8_t qs[kQKK / 4];
  uint16_t d;
  uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// 16 sub-blocks of 16: x = d * (sc - 32) * q, q in [-4, 3] stored as 2 low bits (laid out as in
// Q2_K) plus a high bit in hmask (clear means subtract 4); sc 6 bits, packed into 12 bytes.
struct BlockQ3_K {
  uint8_t hmask[kQKK / 8];
  uint8_t qs[kQKK / 4];
  uint8_t scales[12];
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// 8 sub-blocks of 32: x = d * sc * q - dmin * m, q in [0, 15], sc and m 6 bits each packed into
// 12 bytes. Each 64 elements share 32 bytes of qs: low nibbles first, then high nibbles.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q4_K plus a fifth bit per element in qh: q in [0, 31].
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[kKScaleSize];
  uint8_t qh[kQKK / 8];
  uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// 16 sub-blocks of 16: x = d * sc * (q - 32), q in [0, 63] (4 low bits in ql, 2 high in qh),
// sc a signed 8-bit scale.
struct BlockQ6_K {
  uint8_t ql[kQKK / 2];
  uint8_t qh[kQKK / 4];
  int8_t scales[kQKK / 16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// ggml's intermediate format for dot products: x = d * q with an f32 scale, plus the sums of each
// 16 quants.
struct BlockQ8_K {
  float d;
  int8_t qs[kQKK];
  int16_t bsums[kQKK / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace rf::quant
