// Dequantization of ggml's k-quants (ggml-common.h, ggml-quants.c): Q2_K, Q3_K, Q4_K, Q5_K, Q6_K
// and Q8_K, super-blocks of 256 elements. Each function repeats ggml's dequantize_row_* arithmetic
// in the same order (sub-block scale = super-block scale * integer scale, then one multiply and
// one subtract per element), so results are bit-identical to ggml's.
#include <cstring>

#include "quant/blocks.h"
#include "quant/k_scales.h"
#include "quant/rows.h"
#include "support/half.h"

namespace rf::quant {

void DequantizeRowQ2_K(const void* src, float* dst, int64_t n) {
  const BlockQ2_K* x = static_cast<const BlockQ2_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(x[i].d);
    const float min = F16ToF32(x[i].dmin);
    const uint8_t* q = x[i].qs;
    int is = 0;
    for (int half = 0; half < kQKK; half += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 32; part += 16) {
          const uint8_t sc = x[i].scales[is++];
          const float dl = d * (sc & 0xF);
          const float ml = min * (sc >> 4);
          for (int l = 0; l < 16; ++l) {
            *dst++ = dl * static_cast<int8_t>((q[part + l] >> shift) & 3) - ml;
          }
        }
      }
    }
  }
}

void DequantizeRowQ3_K(const void* src, float* dst, int64_t n) {
  const BlockQ3_K* x = static_cast<const BlockQ3_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float d_all = F16ToF32(x[i].d);
    int8_t scales[16];
    UnpackQ3KScales(x[i].scales, scales);
    const uint8_t* q = x[i].qs;
    const uint8_t* hm = x[i].hmask;
    uint8_t m = 1;
    int is = 0;
    for (int half = 0; half < kQKK; half += 128, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
        for (int part = 0; part < 32; part += 16) {
          const float dl = d_all * (scales[is++] - 32);
          for (int l = 0; l < 16; ++l) {
            const int low = static_cast<int8_t>((q[part + l] >> shift) & 3);
            *dst++ = dl * (low - ((hm[part + l] & m) ? 0 : 4));
          }
        }
      }
    }
  }
}

void DequantizeRowQ4_K(const void* src, float* dst, int64_t n) {
  const BlockQ4_K* x = static_cast<const BlockQ4_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const uint8_t* q = x[i].qs;
    const float d = F16ToF32(x[i].d);
    const float min = F16ToF32(x[i].dmin);
    for (int is = 0; is < 8; is += 2, q += 32) {
      uint8_t sc, m;
      GetScaleMinK4(is, x[i].scales, &sc, &m);
      const float d1 = d * sc;
      const float m1 = min * m;
      GetScaleMinK4(is + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc;
      const float m2 = min * m;
      for (int l = 0; l < 32; ++l) *dst++ = d1 * (q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void DequantizeRowQ5_K(const void* src, float* dst, int64_t n) {
  const BlockQ5_K* x = static_cast<const BlockQ5_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const uint8_t* ql = x[i].qs;
    const uint8_t* qh = x[i].qh;
    const float d = F16ToF32(x[i].d);
    const float min = F16ToF32(x[i].dmin);
    uint8_t u1 = 1, u2 = 2;
    for (int is = 0; is < 8; is += 2, ql += 32) {
      uint8_t sc, m;
      GetScaleMinK4(is, x[i].scales, &sc, &m);
      const float d1 = d * sc;
      const float m1 = min * m;
      GetScaleMinK4(is + 1, x[i].scales, &sc, &m);
      const float d2 = d * sc;
      const float m2 = min * m;
      for (int l = 0; l < 32; ++l) *dst++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) *dst++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

void DequantizeRowQ6_K(const void* src, float* dst, int64_t n) {
  const BlockQ6_K* x = static_cast<const BlockQ6_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(x[i].d);
    const uint8_t* ql = x[i].ql;
    const uint8_t* qh = x[i].qh;
    const int8_t* sc = x[i].scales;
    for (int half = 0; half < kQKK; half += 128, dst += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int8_t q1 = static_cast<int8_t>((ql[l] & 0xF) | ((qh[l] >> 0) & 3) << 4) - 32;
        const int8_t q2 = static_cast<int8_t>((ql[l + 32] & 0xF) | ((qh[l] >> 2) & 3) << 4) - 32;
        const int8_t q3 = static_cast<int8_t>((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
        const int8_t q4 = static_cast<int8_t>((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
        dst[l + 0] = d * sc[is + 0] * q1;
        dst[l + 32] = d * sc[is + 2] * q2;
        dst[l + 64] = d * sc[is + 4] * q3;
        dst[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

void DequantizeRowQ8_K(const void* src, float* dst, int64_t n) {
  const BlockQ8_K* x = static_cast<const BlockQ8_K*>(src);
  for (int64_t i = 0; i < n / kQKK; ++i) {
    for (int j = 0; j < kQKK; ++j) *dst++ = x[i].d * x[i].qs[j];
  }
}

}  // namespace rf::quant
