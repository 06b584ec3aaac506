// Quantization into ggml's k-quants (ours; layouts from ggml-common.h). Two kinds of grid:
//
//   affine (Q2_K, Q4_K, Q5_K):  x ~ D_j q - M_j,  D_j = d sc_j,  M_j = dmin m_j,  q in [0, qmax]
//   symmetric (Q3_K, Q6_K):     x ~ D_j q,        D_j = d sc_j,  q in [-qneg, qneg - 1]
//
// for sub-blocks j of 16 or 32 elements, with integer sub-block scales sc_j (and mins m_j) and f16
// super-block scales d (and dmin). Each sub-block's grid is made to cover its values: the
// sub-block minimum (or 0) is rounded down onto the min grid, and the step D_j is the smallest
// multiple of d that reaches the maximum. Values then round to the nearest level, so each error
// is at most half a step (for the symmetric grids, which put the largest magnitude on -qneg, at
// most one step on the other side). The only freedom left is d itself: kKScaleCandidates values
// are tried and the one with the least squared error over the super-block is kept.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "quant/blocks.h"
#include "quant/k_scales.h"
#include "quant/quantize.h"
#include "quant/rows.h"
#include "quant/scale_rounding.h"
#include "support/half.h"

namespace rf::quant {
namespace {

constexpr int kMaxSub = 16;  // most sub-blocks per super-block

// x rounded to the nearest integer (ties to even) in float arithmetic, for |x| < 2^22: adding
// 1.5 * 2^23 leaves no fraction bits. Unlike lrint this vectorizes on baseline x86-64.
inline float RoundToInt(float x) {
  constexpr float kMagic = 12582912.0f;
  return (x + kMagic) - kMagic;
}

// Quantizes the kSub values at x onto the levels step * q - offset, q in [lo, hi] (nearest level),
// as the dequantizers compute them; adds each element's squared error to lanes[l]. This is the
// quantizers' inner loop: fixed trip counts, independent lanes and an integer clamp (GCC will not
// if-convert a float one) let the compiler vectorize it. The grid covers the values, so the scaled
// values are small and their conversion to int is exact.
template <int kSub, typename Q>
inline void QuantizeSub(const float* x, float step, float offset, int lo, int hi, Q* q,
                        float* lanes) {
  const float inv = step != 0 ? 1.0f / step : 0.0f;
  for (int l = 0; l < kSub; ++l) {
    int level = static_cast<int>(RoundToInt((x[l] + offset) * inv));
    level = level < lo ? lo : level;
    level = level > hi ? hi : level;
    q[l] = static_cast<Q>(level);
    const float r = step * static_cast<float>(level) - offset - x[l];
    lanes[l] += r * r;
  }
}

// The sub-block length is a template parameter of the quantizers (it fixes their loop counts).
struct AffineFormat {
  int qmax;        // levels 0 .. qmax
  int scale_max;   // sc_j and m_j in 0 .. scale_max
  int candidates;  // super-block scales tried
};

struct AffineBlock {
  uint16_t d = 0;
  uint16_t dmin = 0;
  uint8_t sc[kMaxSub] = {};
  uint8_t m[kMaxSub] = {};
  uint8_t q[kQKK] = {};
};

template <int kSub>
void QuantizeAffine(const float* x, const AffineFormat& f, AffineBlock* out) {
  static_assert(kQKK / kSub <= kMaxSub);
  const int n_sub = kQKK / kSub;
  float hi[kMaxSub], max_mn = 0;
  float mn[kMaxSub];  // -min(0, sub-block minimum)
  for (int j = 0; j < n_sub; ++j) {
    float lo = 0;
    hi[j] = x[j * kSub];
    for (int l = 0; l < kSub; ++l) {
      lo = std::min(lo, x[j * kSub + l]);
      hi[j] = std::max(hi[j], x[j * kSub + l]);
    }
    mn[j] = -lo;
    max_mn = std::max(max_mn, mn[j]);
  }
  // Mins: rounded up onto the dmin grid, so every M_j >= -min.
  out->dmin = F16Up(max_mn / static_cast<float>(f.scale_max));
  const float dmin = F16ToF32(out->dmin);
  float big_m[kMaxSub], need[kMaxSub], dmax = 0;
  for (int j = 0; j < n_sub; ++j) {
    const float mj = dmin > 0 ? std::ceil(mn[j] / dmin) : 0.0f;
    out->m[j] = static_cast<uint8_t>(std::min(mj, static_cast<float>(f.scale_max)));
    big_m[j] = dmin * out->m[j];
    // The smallest step whose top level -M_j + qmax * D_j reaches the sub-block maximum.
    need[j] = std::max(0.0f, hi[j] + big_m[j]) / static_cast<float>(f.qmax);
    dmax = std::max(dmax, need[j]);
  }
  float best = std::numeric_limits<float>::infinity();
  AffineBlock trial;
  for (int t = 0; t < f.candidates; ++t) {
    trial.d = F16Up(dmax / static_cast<float>(f.scale_max - t));
    const float d = F16ToF32(trial.d);
    float lanes[kSub] = {};
    for (int j = 0; j < n_sub; ++j) {
      const float sc = d > 0 ? std::ceil(need[j] / d) : 0.0f;
      trial.sc[j] = static_cast<uint8_t>(std::min(sc, static_cast<float>(f.scale_max)));
      QuantizeSub<kSub>(x + j * kSub, d * trial.sc[j], big_m[j], 0, f.qmax, trial.q + j * kSub,
                        lanes);
    }
    float err = 0;
    for (float e : lanes) err += e;
    if (err < best) {
      best = err;
      out->d = trial.d;
      std::memcpy(out->sc, trial.sc, sizeof(trial.sc));
      std::memcpy(out->q, trial.q, sizeof(trial.q));
    }
    if (best == 0 || dmax == 0) break;
  }
}

struct SymmetricFormat {
  int qneg;        // levels -qneg .. qneg - 1
  int scale_max;   // sc_j in -scale_max .. scale_max
  int candidates;  // super-block scales tried
};

struct SymmetricBlock {
  uint16_t d = 0;
  int8_t sc[kMaxSub] = {};
  int8_t q[kQKK] = {};
};

template <int kSub>
void QuantizeSymmetric(const float* x, const SymmetricFormat& f, SymmetricBlock* out) {
  static_assert(kQKK / kSub <= kMaxSub);
  const int n_sub = kQKK / kSub;
  // s_j puts the sub-block's value of largest magnitude on the level -qneg.
  float s[kMaxSub], smax = 0;
  for (int j = 0; j < n_sub; ++j) {
    float amax = 0, max = 0;
    for (int l = 0; l < kSub; ++l) {
      const float v = x[j * kSub + l];
      if (std::fabs(v) > amax) {
        amax = std::fabs(v);
        max = v;
      }
    }
    s[j] = max / static_cast<float>(-f.qneg);
    smax = std::max(smax, std::fabs(s[j]));
  }
  float best = std::numeric_limits<float>::infinity();
  SymmetricBlock trial;
  for (int t = 0; t < f.candidates; ++t) {
    trial.d = F16Up(smax / static_cast<float>(f.scale_max - t));
    const float d = F16ToF32(trial.d);
    float lanes[kSub] = {};
    for (int j = 0; j < n_sub; ++j) {
      const float mag = d > 0 ? std::ceil(std::fabs(s[j]) / d) : 0.0f;
      const int sc = static_cast<int>(std::min(mag, static_cast<float>(f.scale_max)));
      trial.sc[j] = static_cast<int8_t>(s[j] < 0 ? -sc : sc);
      QuantizeSub<kSub>(x + j * kSub, d * trial.sc[j], 0.0f, -f.qneg, f.qneg - 1,
                        trial.q + j * kSub, lanes);
    }
    float err = 0;
    for (float e : lanes) err += e;
    if (err < best) {
      best = err;
      out->d = trial.d;
      std::memcpy(out->sc, trial.sc, sizeof(trial.sc));
      std::memcpy(out->q, trial.q, sizeof(trial.q));
    }
    if (best == 0 || smax == 0) break;
  }
}

constexpr AffineFormat kQ2K = {3, 15, kQ2KScaleCandidates};
constexpr AffineFormat kQ4K = {15, 63, kKScaleCandidates};
constexpr AffineFormat kQ5K = {31, 63, kKScaleCandidates};
constexpr SymmetricFormat kQ3K = {4, 31, kKScaleCandidates};
constexpr SymmetricFormat kQ6K = {32, 127, kKScaleCandidates};

// Q2_K and Q3_K store 2-bit fields: element e of 128-half h is field (e % 128) / 32 of byte
// 32 * h + e % 32.
inline int TwoBitByte(int e) {
  return 32 * (e / 128) + e % 32;
}
inline int TwoBitShift(int e) {
  return 2 * ((e % 128) / 32);
}

}  // namespace

void QuantizeRowQ2_K(const float* src, void* dst, int64_t n) {
  BlockQ2_K* y = static_cast<BlockQ2_K*>(dst);
  AffineBlock b;
  for (int64_t i = 0; i < n / kQKK; ++i, src += kQKK) {
    QuantizeAffine<16>(src, kQ2K, &b);
    y[i].d = b.d;
    y[i].dmin = b.dmin;
    for (int j = 0; j < 16; ++j) y[i].scales[j] = static_cast<uint8_t>(b.sc[j] | b.m[j] << 4);
    std::memset(y[i].qs, 0, sizeof(y[i].qs));
    for (int e = 0; e < kQKK; ++e)
      y[i].qs[TwoBitByte(e)] |= static_cast<uint8_t>(b.q[e] << TwoBitShift(e));
  }
}

void QuantizeRowQ3_K(const float* src, void* dst, int64_t n) {
  BlockQ3_K* y = static_cast<BlockQ3_K*>(dst);
  SymmetricBlock b;
  for (int64_t i = 0; i < n / kQKK; ++i, src += kQKK) {
    QuantizeSymmetric<16>(src, kQ3K, &b);
    y[i].d = b.d;
    uint8_t stored[16];
    for (int j = 0; j < 16; ++j) stored[j] = static_cast<uint8_t>(b.sc[j] + 32);
    PackQ3KScales(stored, y[i].scales);
    std::memset(y[i].qs, 0, sizeof(y[i].qs));
    std::memset(y[i].hmask, 0, sizeof(y[i].hmask));
    for (int e = 0; e < kQKK; ++e) {
      // Stored as q + 4 in [0, 7]: 2 low bits in qs; the high bit set means "do not subtract 4".
      const int l = b.q[e] + 4;
      y[i].qs[TwoBitByte(e)] |= static_cast<uint8_t>((l & 3) << TwoBitShift(e));
      y[i].hmask[e % 32] |= static_cast<uint8_t>((l >> 2) << (4 * (e / 128) + (e % 128) / 32));
    }
  }
}

void QuantizeRowQ4_K(const float* src, void* dst, int64_t n) {
  BlockQ4_K* y = static_cast<BlockQ4_K*>(dst);
  AffineBlock b;
  for (int64_t i = 0; i < n / kQKK; ++i, src += kQKK) {
    QuantizeAffine<32>(src, kQ4K, &b);
    y[i].d = b.d;
    y[i].dmin = b.dmin;
    PackScaleMinK4(b.sc, b.m, y[i].scales);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        y[i].qs[32 * c + l] = static_cast<uint8_t>(b.q[64 * c + l] | b.q[64 * c + 32 + l] << 4);
      }
    }
  }
}

void QuantizeRowQ5_K(const float* src, void* dst, int64_t n) {
  BlockQ5_K* y = static_cast<BlockQ5_K*>(dst);
  AffineBlock b;
  for (int64_t i = 0; i < n / kQKK; ++i, src += kQKK) {
    QuantizeAffine<32>(src, kQ5K, &b);
    y[i].d = b.d;
    y[i].dmin = b.dmin;
    PackScaleMinK4(b.sc, b.m, y[i].scales);
    std::memset(y[i].qh, 0, sizeof(y[i].qh));
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t lo = b.q[64 * c + l], hi = b.q[64 * c + 32 + l];
        y[i].qs[32 * c + l] = static_cast<uint8_t>((lo & 0xF) | (hi & 0xF) << 4);
        y[i].qh[l] |= static_cast<uint8_t>((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
      }
    }
  }
}

void QuantizeRowQ6_K(const float* src, void* dst, int64_t n) {
  BlockQ6_K* y = static_cast<BlockQ6_K*>(dst);
  SymmetricBlock b;
  for (int64_t i = 0; i < n / kQKK; ++i, src += kQKK) {
    QuantizeSymmetric<16>(src, kQ6K, &b);
    y[i].d = b.d;
    std::memcpy(y[i].scales, b.sc, sizeof(y[i].scales));
    for (int h = 0; h < 2; ++h) {
      const int8_t* q = b.q + 128 * h;
      uint8_t* ql = y[i].ql + 64 * h;
      uint8_t* qh = y[i].qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        // Stored as q + 32 in [0, 63]: 4 low bits in ql, 2 high bits in qh.
        const int a = q[l] + 32, b2 = q[l + 32] + 32, c = q[l + 64] + 32, e = q[l + 96] + 32;
        ql[l] = static_cast<uint8_t>((a & 0xF) | (c & 0xF) << 4);
        ql[l + 32] = static_cast<uint8_t>((b2 & 0xF) | (e & 0xF) << 4);
        qh[l] = static_cast<uint8_t>((a >> 4) | (b2 >> 4) << 2 | (c >> 4) << 4 | (e >> 4) << 6);
      }
    }
  }
}

void QuantizeRowQ8_K(const float* src, void* dst, int64_t n) {
  BlockQ8_K* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQKK; ++i, src += kQKK) {
    float amax = 0;
    for (int j = 0; j < kQKK; ++j) amax = std::max(amax, std::fabs(src[j]));
    y[i].d = amax / 127.0f;  // an f32 scale: no rounding to worry about
    const float d = y[i].d;
    for (int j = 0; j < kQKK; ++j) {
      y[i].qs[j] = static_cast<int8_t>(d == 0 ? 0 : RoundClamp(src[j] / d, -127, 127));
    }
    for (int g = 0; g < kQKK / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += y[i].qs[16 * g + l];
      y[i].bsums[g] = static_cast<int16_t>(sum);
    }
  }
}

}  // namespace rf::quant
