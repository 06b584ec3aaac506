// The legacy block formats of ggml (ggml-common.h, ggml-quants.c): Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// blocks of 32 elements with an f16 scale (and an f16 minimum for the _1 variants).
//
// Dequantization repeats ggml's dequantize_row_* arithmetic exactly: an integer level converted
// to float, times the decoded scale, plus the decoded minimum.
//
// Quantization (ours, see quantize.h): Q4_0/Q5_0/Q8_0 scale the block's value of largest
// magnitude onto the extreme level (ggml's choice for Q4_0/Q5_0: the asymmetric level -8/-16 goes
// to the block's extreme); Q4_1/Q5_1 span [min, max]. The scale is rounded to f16 away from zero
// (the minimum downwards) before the levels are chosen, so no value falls outside the grid.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/blocks.h"
#include "quant/rows.h"
#include "quant/scale_rounding.h"
#include "support/half.h"

namespace rf::quant {
namespace {

// The 5th bits of a Q5 block: bit i of the u32 is the high bit of element i.
uint32_t ReadQh(const uint8_t qh[4]) {
  uint32_t v;
  std::memcpy(&v, qh, sizeof(v));
  return v;
}
void WriteQh(uint8_t qh[4], uint32_t v) {
  std::memcpy(qh, &v, sizeof(v));
}

// The value of largest magnitude, with its sign (the first one on ties).
float SignedMax(const float* x, int n) {
  float amax = 0, max = 0;
  for (int j = 0; j < n; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Symmetric grid d * q, q in [-levels, levels - 1], with x_max = -levels * d: returns the f16
// scale and writes q + levels.
uint16_t QuantizeSymmetric(const float* x, int levels, uint8_t* q) {
  const uint16_t hd = F16AwayFromZero(SignedMax(x, kQK) / static_cast<float>(-levels));
  const float d = F16ToF32(hd);
  for (int j = 0; j < kQK; ++j) {
    q[j] = d == 0 ? static_cast<uint8_t>(levels)
                  : static_cast<uint8_t>(RoundClamp(x[j] / d, -levels, levels - 1) + levels);
  }
  return hd;
}

// Affine grid m + d * q, q in [0, qmax], covering [min, max]: writes the f16 d and m and q.
void QuantizeAffine(const float* x, int qmax, uint16_t* hd, uint16_t* hm, uint8_t* q) {
  float min = x[0], max = x[0];
  for (int j = 1; j < kQK; ++j) {
    min = std::min(min, x[j]);
    max = std::max(max, x[j]);
  }
  *hm = F16Down(min);
  const float m = F16ToF32(*hm);
  *hd = F16Up((max - m) / static_cast<float>(qmax));
  const float d = F16ToF32(*hd);
  for (int j = 0; j < kQK; ++j) {
    q[j] = d == 0 ? 0 : static_cast<uint8_t>(RoundClamp((x[j] - m) / d, 0, qmax));
  }
}

}  // namespace

void DequantizeRowQ4_0(const void* src, float* dst, int64_t n) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = F16ToF32(x[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = (x[i].qs[j] & 0x0F) - 8;
      const int x1 = (x[i].qs[j] >> 4) - 8;
      dst[j] = x0 * d;
      dst[j + kQK / 2] = x1 * d;
    }
  }
}

void DequantizeRowQ4_1(const void* src, float* dst, int64_t n) {
  const BlockQ4_1* x = static_cast<const BlockQ4_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = F16ToF32(x[i].d);
    const float m = F16ToF32(x[i].m);
    for (int j = 0; j < kQK / 2; ++j) {
      const int x0 = x[i].qs[j] & 0x0F;
      const int x1 = x[i].qs[j] >> 4;
      dst[j] = x0 * d + m;
      dst[j + kQK / 2] = x1 * d + m;
    }
  }
}

void DequantizeRowQ5_0(const void* src, float* dst, int64_t n) {
  const BlockQ5_0* x = static_cast<const BlockQ5_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = F16ToF32(x[i].d);
    const uint32_t qh = ReadQh(x[i].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int h0 = static_cast<int>((qh >> j) << 4) & 0x10;
      const int h1 = static_cast<int>(qh >> (j + 12)) & 0x10;
      const int x0 = ((x[i].qs[j] & 0x0F) | h0) - 16;
      const int x1 = ((x[i].qs[j] >> 4) | h1) - 16;
      dst[j] = x0 * d;
      dst[j + kQK / 2] = x1 * d;
    }
  }
}

void DequantizeRowQ5_1(const void* src, float* dst, int64_t n) {
  const BlockQ5_1* x = static_cast<const BlockQ5_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = F16ToF32(x[i].d);
    const float m = F16ToF32(x[i].m);
    const uint32_t qh = ReadQh(x[i].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int h0 = static_cast<int>((qh >> j) << 4) & 0x10;
      const int h1 = static_cast<int>(qh >> (j + 12)) & 0x10;
      const int x0 = (x[i].qs[j] & 0x0F) | h0;
      const int x1 = (x[i].qs[j] >> 4) | h1;
      dst[j] = x0 * d + m;
      dst[j + kQK / 2] = x1 * d + m;
    }
  }
}

void DequantizeRowQ8_0(const void* src, float* dst, int64_t n) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = F16ToF32(x[i].d);
    for (int j = 0; j < kQK; ++j) dst[j] = x[i].qs[j] * d;
  }
}

void QuantizeRowQ4_0(const float* src, void* dst, int64_t n) {
  BlockQ4_0* y = static_cast<BlockQ4_0*>(dst);
  uint8_t q[kQK];
  for (int64_t i = 0; i < n / kQK; ++i, src += kQK) {
    y[i].d = QuantizeSymmetric(src, 8, q);
    for (int j = 0; j < kQK / 2; ++j) y[i].qs[j] = static_cast<uint8_t>(q[j] | q[j + 16] << 4);
  }
}

void QuantizeRowQ5_0(const float* src, void* dst, int64_t n) {
  BlockQ5_0* y = static_cast<BlockQ5_0*>(dst);
  uint8_t q[kQK];
  for (int64_t i = 0; i < n / kQK; ++i, src += kQK) {
    y[i].d = QuantizeSymmetric(src, 16, q);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      y[i].qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | (q[j + 16] & 0x0F) << 4);
      qh |= static_cast<uint32_t>(q[j] >> 4) << j;
      qh |= static_cast<uint32_t>(q[j + 16] >> 4) << (j + 16);
    }
    WriteQh(y[i].qh, qh);
  }
}

void QuantizeRowQ4_1(const float* src, void* dst, int64_t n) {
  BlockQ4_1* y = static_cast<BlockQ4_1*>(dst);
  uint8_t q[kQK];
  for (int64_t i = 0; i < n / kQK; ++i, src += kQK) {
    QuantizeAffine(src, 15, &y[i].d, &y[i].m, q);
    for (int j = 0; j < kQK / 2; ++j) y[i].qs[j] = static_cast<uint8_t>(q[j] | q[j + 16] << 4);
  }
}

void QuantizeRowQ5_1(const float* src, void* dst, int64_t n) {
  BlockQ5_1* y = static_cast<BlockQ5_1*>(dst);
  uint8_t q[kQK];
  for (int64_t i = 0; i < n / kQK; ++i, src += kQK) {
    QuantizeAffine(src, 31, &y[i].d, &y[i].m, q);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      y[i].qs[j] = static_cast<uint8_t>((q[j] & 0x0F) | (q[j + 16] & 0x0F) << 4);
      qh |= static_cast<uint32_t>(q[j] >> 4) << j;
      qh |= static_cast<uint32_t>(q[j + 16] >> 4) << (j + 16);
    }
    WriteQh(y[i].qh, qh);
  }
}

void QuantizeRowQ8_0(const float* src, void* dst, int64_t n) {
  BlockQ8_0* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, src += kQK) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(src[j]));
    y[i].d = F16Up(amax / 127.0f);
    const float d = F16ToF32(y[i].d);
    for (int j = 0; j < kQK; ++j) {
      y[i].qs[j] = static_cast<int8_t>(d == 0 ? 0 : RoundClamp(src[j] / d, -127, 127));
    }
  }
}

}  // namespace rf::quant
