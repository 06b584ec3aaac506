// The packed sub-block scales of the k-quants (ggml-quants.c), read and written.
//
// Q4_K / Q5_K: 8 six-bit scales sc[j] and mins m[j] in 12 bytes. For j < 4, bytes j and j + 4
// hold sc[j] and m[j] in their low 6 bits; the 4 low bits of sc[j + 4] and m[j + 4] share byte
// j + 8, and their 2 high bits sit in the top bits of bytes j and j + 4.
//
// Q3_K: 16 six-bit scales (stored + 32) in 12 bytes. Scale i has its low nibble in byte i % 8
// (low nibble for i < 8, high nibble otherwise) and its 2 high bits in byte 8 + i % 4, at bit
// 2 * (i / 4).
#pragma once

#include <cstdint>
#include <cstring>

namespace rf::quant {

inline void GetScaleMinK4(int j, const uint8_t* q, uint8_t* sc, uint8_t* m) {
  if (j < 4) {
    *sc = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *sc = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

// sc and m: 8 values in [0, 63] each.
inline void PackScaleMinK4(const uint8_t* sc, const uint8_t* m, uint8_t* q) {
  for (int j = 0; j < 4; ++j) {
    q[j] = static_cast<uint8_t>(sc[j] | (sc[j + 4] >> 4) << 6);
    q[j + 4] = static_cast<uint8_t>(m[j] | (m[j + 4] >> 4) << 6);
    q[j + 8] = static_cast<uint8_t>((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
  }
}

// The 16 stored scales of a Q3_K block (each in [0, 63]; the scale is the value - 32).
inline void UnpackQ3KScales(const uint8_t* packed, int8_t* scales) {
  for (int i = 0; i < 16; ++i) {
    const int low = (packed[i % 8] >> (4 * (i / 8))) & 0xF;
    const int high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
    scales[i] = static_cast<int8_t>(low | high << 4);
  }
}

// stored: 16 values in [0, 63].
inline void PackQ3KScales(const uint8_t* stored, uint8_t* packed) {
  std::memset(packed, 0, 12);
  for (int i = 0; i < 16; ++i) {
    packed[i % 8] |= static_cast<uint8_t>((stored[i] & 0xF) << (4 * (i / 8)));
    packed[8 + i % 4] |= static_cast<uint8_t>((stored[i] >> 4) << (2 * (i / 4)));
  }
}

}  // namespace rf::quant
