// Round trips through our quantizers: for every format and many kinds of data, the error of each
// element stays within a worst-case bound derived from the format and from how quant/ chooses its
// scales (quantize.h). The derivations are next to each bound below.
//
// Notation: amax = max |x| of a block; eps16(v) = max(|v| * 2^-10, 2^-24) bounds how far rounding a
// positive v UP to an f16 can move it (one f16 ulp: 2^-10 relative for normal halves, 2^-24 for
// subnormal ones); quant/ rounds every step size up (and minima down) to f16, so the grid the
// stored scales define always covers the block, and nearest-level rounding errs by at most half a
// step inside it. `slack` absorbs the few float roundings of quantize/dequantize arithmetic.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "quant/types.h"

namespace rf::quant {
namespace {

constexpr int64_t kRow = 2048;  // 8 super-blocks, 64 legacy blocks

double Eps16(double v) {
  return std::max(std::fabs(v) * std::ldexp(1.0, -10), std::ldexp(1.0, -24));
}
double Up16(double v) {
  return v + Eps16(v);
}  // an upper bound of v rounded up to f16

struct Block {
  std::vector<float> x;  // original values of one block (or super-block)
};

double Amax(const float* x, int n) {
  double a = 0;
  for (int i = 0; i < n; ++i) a = std::max(a, std::fabs(static_cast<double>(x[i])));
  return a;
}

// Bound on |x - dequant(quant(x))| for every element of the `n`-element block at `x`, per element
// (k-quants bound each sub-block separately).
using BoundFn = std::function<std::vector<double>(const float* x, int n)>;

std::vector<double> Uniform(int n, double b) {
  return std::vector<double>(n, b);
}

// Q8_0: d = amax / 127 rounded up to f16; levels d * [-127, 127] cover [-amax, amax] -> d16 / 2.
std::vector<double> BoundQ8_0(const float* x, int n) {
  return Uniform(n, Up16(Amax(x, n) / 127) / 2);
}

// Q4_0 / Q5_0: the largest magnitude goes on level -8 (-16): |d| = amax / 8 (16), rounded away
// from zero. On that side the grid reaches 8 |d16| >= amax (half a step); on the other side it
// stops at 7 |d16| (15 |d16|) while values reach amax <= 8 |d16|: at most one whole step.
std::vector<double> BoundQ4_0(const float* x, int n) {
  return Uniform(n, Up16(Amax(x, n) / 8));
}
std::vector<double> BoundQ5_0(const float* x, int n) {
  return Uniform(n, Up16(Amax(x, n) / 16));
}

// Q4_1 / Q5_1: m16 = min rounded down (min - m16 <= eps16(min)); d = (max - m16) / qmax rounded
// up, so [m16, m16 + qmax d16] covers [min, max]: half a step, d16 / 2.
std::vector<double> BoundAffine(const float* x, int n, int qmax) {
  const double lo = *std::min_element(x, x + n), hi = *std::max_element(x, x + n);
  return Uniform(n, Up16((hi - lo + Eps16(lo)) / qmax) / 2);
}

// Affine k-quants (Q2_K, Q4_K, Q5_K): sub-blocks j of `sub` elements, x ~ d sc_j q - dmin m_j,
// q in [0, qmax], sc_j and m_j in [0, S]. With lo_j = min(0, min_j), hi_j = max_j:
//   dmin16 <= B_dmin = up16(max_j(-lo_j) / S);  M_j = dmin16 m_j in [-lo_j, -lo_j + dmin16]
//   the needed step n_j = (hi_j + M_j) / qmax <= B_n_j = (hi_j - lo_j + B_dmin) / qmax
//   d16 <= B_d = up16(max_j B_n_j / (S - T + 1))   (T: the scales tried, quantize.h)
//   D_j = d16 * ceil(n_j / d16) < n_j + d16, and the grid [-M_j, -M_j + qmax D_j] covers the
//   sub-block, so the error is at most D_j / 2 < (B_n_j + B_d) / 2.
std::vector<double> BoundAffineK(const float* x, int n, int sub, int qmax, int s, int t) {
  const int n_sub = n / sub;
  std::vector<double> lo(n_sub), hi(n_sub), need(n_sub);
  double max_mn = 0;
  for (int j = 0; j < n_sub; ++j) {
    lo[j] = std::min(0.0, static_cast<double>(*std::min_element(x + j * sub, x + (j + 1) * sub)));
    hi[j] = *std::max_element(x + j * sub, x + (j + 1) * sub);
    max_mn = std::max(max_mn, -lo[j]);
  }
  const double b_dmin = Up16(max_mn / s);
  double max_need = 0;
  for (int j = 0; j < n_sub; ++j) {
    need[j] = (hi[j] - lo[j] + b_dmin) / qmax;
    max_need = std::max(max_need, need[j]);
  }
  const double b_d = Up16(max_need / (s - t + 1));
  std::vector<double> bound(n);
  for (int i = 0; i < n; ++i) bound[i] = (need[i / sub] + b_d) / 2;
  return bound;
}

// Symmetric k-quants (Q3_K, Q6_K): x ~ d sc_j q, q in [-Q, Q - 1], |sc_j| <= S. The largest
// magnitude of sub-block j goes on level -Q: s_j = amax_j / Q, and |D_j| = d16 ceil(s_j / d16) is
// in [s_j, s_j + d16) with d16 <= B_d = up16(max_j s_j / (S - T + 1)). That side of the grid
// covers amax_j (half a step, < (s_j + B_d) / 2); the other side stops at (Q - 1)|D_j| >=
// amax_j - s_j, so values beyond it err by at most s_j.
std::vector<double> BoundSymmetricK(const float* x, int n, int sub, int q, int s, int t) {
  const int n_sub = n / sub;
  std::vector<double> sj(n_sub);
  double smax = 0;
  for (int j = 0; j < n_sub; ++j) {
    sj[j] = Amax(x + j * sub, sub) / q;
    smax = std::max(smax, sj[j]);
  }
  const double b_d = Up16(smax / (s - t + 1));
  std::vector<double> bound(n);
  for (int i = 0; i < n; ++i) bound[i] = std::max((sj[i / sub] + b_d) / 2, sj[i / sub]);
  return bound;
}

struct Format {
  GgmlType type;
  BoundFn bound;
};

std::vector<Format> Formats() {
  const int t = kKScaleCandidates, t2 = kQ2KScaleCandidates;
  return {
      // F16: round to nearest: |x - f16(x)| <= half an ulp = |x| 2^-11 (normal), 2^-25 (subnormal).
      {GgmlType::kF16,
       [](const float* x, int n) {
         std::vector<double> b(n);
         for (int i = 0; i < n; ++i)
           b[i] = std::max(std::fabs(x[i]) * std::ldexp(1.0, -11), std::ldexp(1.0, -25));
         return b;
       }},
      // BF16: 8 significant bits: half an ulp is at most |x| 2^-8.
      {GgmlType::kBF16,
       [](const float* x, int n) {
         std::vector<double> b(n);
         for (int i = 0; i < n; ++i) b[i] = std::fabs(x[i]) * std::ldexp(1.0, -8);
         return b;
       }},
      {GgmlType::kF32, [](const float*, int n) { return Uniform(n, 0); }},
      {GgmlType::kQ8_0, BoundQ8_0},
      {GgmlType::kQ4_0, BoundQ4_0},
      {GgmlType::kQ5_0, BoundQ5_0},
      {GgmlType::kQ4_1, [](const float* x, int n) { return BoundAffine(x, n, 15); }},
      {GgmlType::kQ5_1, [](const float* x, int n) { return BoundAffine(x, n, 31); }},
      {GgmlType::kQ2_K, [t2](const float* x, int n) { return BoundAffineK(x, n, 16, 3, 15, t2); }},
      {GgmlType::kQ4_K, [t](const float* x, int n) { return BoundAffineK(x, n, 32, 15, 63, t); }},
      {GgmlType::kQ5_K, [t](const float* x, int n) { return BoundAffineK(x, n, 32, 31, 63, t); }},
      {GgmlType::kQ3_K, [t](const float* x, int n) { return BoundSymmetricK(x, n, 16, 4, 31, t); }},
      {GgmlType::kQ6_K,
       [t](const float* x, int n) { return BoundSymmetricK(x, n, 16, 32, 127, t); }},
      // Q8_K: an f32 scale d = amax / 127, levels d * [-127, 127]: d / 2.
      {GgmlType::kQ8_K, [](const float* x, int n) { return Uniform(n, Amax(x, n) / 127 / 2); }},
  };
}

struct Distribution {
  std::string name;
  std::function<float(std::mt19937_64&, int64_t index)> draw;
};

std::vector<Distribution> Distributions() {
  auto normal = [](double scale) {
    return [scale](std::mt19937_64& rng, int64_t) {
      return static_cast<float>(scale * std::normal_distribution<double>()(rng));
    };
  };
  auto uniform = [](double lo, double hi) {
    return [lo, hi](std::mt19937_64& rng, int64_t) {
      return static_cast<float>(std::uniform_real_distribution<double>(lo, hi)(rng));
    };
  };
  return {
      {"normal", normal(1)},
      {"uniform", uniform(-1, 1)},
      {"huge", normal(1e4)},    // scales far above 1, values still inside f16's range
      {"small", normal(1e-4)},  // step sizes among f16's subnormals
      {"tiny", normal(1e-7)},   // values themselves below f16's subnormals
      {"zeros", [](std::mt19937_64&, int64_t) { return 0.0f; }},
      {"constant", [](std::mt19937_64&, int64_t) { return 0.37f; }},
      {"negative_constant", [](std::mt19937_64&, int64_t) { return -2.5f; }},
      {"positive_offset", uniform(5, 6)},
      {"negative_offset", uniform(-6, -5)},
      {"outliers",
       [](std::mt19937_64& rng, int64_t i) {
         const double v = std::normal_distribution<double>()(rng);
         return static_cast<float>(i % 37 == 5 ? 50 * (v > 0 ? 1 : -1) : v);
       }},
      // Each 16-element sub-block at its own magnitude, 1e-3 .. 10: stresses the k-quants'
      // two-level scales (small sub-blocks next to large ones).
      {"mixed_magnitudes",
       [](std::mt19937_64& rng, int64_t i) {
         const double mag = std::pow(10.0, static_cast<double>((i / 16 * 7919) % 5) - 3);
         return static_cast<float>(mag * std::normal_distribution<double>()(rng));
       }},
      {"sparse",
       [](std::mt19937_64& rng, int64_t i) {
         return i % 29 == 0 ? static_cast<float>(std::normal_distribution<double>()(rng)) : 0.0f;
       }},
  };
}

TEST(QuantizeTest, RoundTripErrorWithinDerivedBounds) {
  for (const Format& f : Formats()) {
    const TypeInfo& info = Info(f.type);
    for (const Distribution& dist : Distributions()) {
      std::mt19937_64 rng(1234);
      for (int rep = 0; rep < 8; ++rep) {
        std::vector<float> x(kRow);
        for (int64_t i = 0; i < kRow; ++i) x[i] = dist.draw(rng, i);
        std::vector<uint8_t> q(*RowBytes(f.type, kRow));
        ASSERT_TRUE(Quantize(f.type, x, q).ok());
        std::vector<float> y(kRow);
        ASSERT_TRUE(Dequantize(f.type, q, y).ok());
        int reported = 0;
        for (int64_t b = 0; b < kRow; b += info.block_size) {
          const int n = info.block_size;
          std::vector<double> bound = f.bound(&x[b], n);
          const double slack = 1e-6 * Amax(&x[b], n) + 1e-37;
          for (int i = 0; i < n; ++i) {
            const double err = std::fabs(static_cast<double>(x[b + i]) - y[b + i]);
            if (!(err <= bound[i] + slack) && reported++ < 3) {
              ADD_FAILURE() << info.name << " " << dist.name << " rep " << rep << " element "
                            << b + i << ": x=" << x[b + i] << " got " << y[b + i] << " error "
                            << err << " > bound " << bound[i];
            }
          }
        }
      }
    }
  }
}

// Data that lies exactly on a format's grid comes back exactly (and so every packing of levels
// into bits is the inverse of the unpacking).
TEST(QuantizeTest, GridValuesRoundTripExactly) {
  std::mt19937_64 rng(7);
  struct Case {
    GgmlType type;
    int lo, hi;  // integer levels to draw
    float d;     // an f16-exact step
  };
  // Q4_0/Q5_0/Q6_K/Q3_K put the largest magnitude on their negative extreme: include it.
  for (const Case& c :
       {Case{GgmlType::kQ8_0, -127, 127, 0.5f}, Case{GgmlType::kQ4_0, -8, 7, 0.25f},
        Case{GgmlType::kQ5_0, -16, 15, 0.125f}, Case{GgmlType::kQ8_K, -127, 127, 1.0f}}) {
    std::vector<float> x(kRow);
    const int block = Info(c.type).block_size;
    for (int64_t i = 0; i < kRow; ++i) {
      const int level = i % block == 3 ? c.lo : std::uniform_int_distribution<int>(c.lo, c.hi)(rng);
      x[i] = c.d * static_cast<float>(level);
    }
    std::vector<uint8_t> q(*RowBytes(c.type, kRow));
    ASSERT_TRUE(Quantize(c.type, x, q).ok());
    std::vector<float> y(kRow);
    ASSERT_TRUE(Dequantize(c.type, q, y).ok());
    for (int64_t i = 0; i < kRow; ++i) ASSERT_EQ(x[i], y[i]) << TypeName(c.type) << " " << i;
  }
}

// The k-quant scale search must not be worse than plain coverage by much: the RMS error on
// normal data is what a 4/5/6-bit grid should give (about step / sqrt(12) with step ~ range /
// levels).
TEST(QuantizeTest, RmsErrorOnNormalData) {
  struct Case {
    GgmlType type;
    double max_rms;  // for unit-variance data
  };
  for (const Case& c :
       {Case{GgmlType::kQ8_0, 0.006}, Case{GgmlType::kQ4_0, 0.13}, Case{GgmlType::kQ4_1, 0.11},
        Case{GgmlType::kQ5_0, 0.065}, Case{GgmlType::kQ5_1, 0.055}, Case{GgmlType::kQ2_K, 0.45},
        Case{GgmlType::kQ3_K, 0.25}, Case{GgmlType::kQ4_K, 0.11}, Case{GgmlType::kQ5_K, 0.055},
        Case{GgmlType::kQ6_K, 0.03}}) {
    std::mt19937_64 rng(99);
    const int64_t n = 64 * 1024;
    std::vector<float> x(n);
    for (float& v : x) v = static_cast<float>(std::normal_distribution<double>()(rng));
    std::vector<uint8_t> q(*RowBytes(c.type, n));
    ASSERT_TRUE(Quantize(c.type, x, q).ok());
    std::vector<float> y(n);
    ASSERT_TRUE(Dequantize(c.type, q, y).ok());
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += (x[i] - y[i]) * (x[i] - y[i]);
    const double rms = std::sqrt(sum / n);
    EXPECT_LT(rms, c.max_rms) << TypeName(c.type);
    std::printf("%-5s rms error on N(0,1): %.5f\n", TypeName(c.type), rms);
  }
}

TEST(QuantizeTest, SizeAndTypeErrors) {
  std::vector<float> x(48);
  std::vector<uint8_t> q(100);
  EXPECT_FALSE(Quantize(GgmlType::kQ4_0, x, q).ok());  // 48 is not a whole number of blocks
  x.resize(32);
  EXPECT_FALSE(Quantize(GgmlType::kQ4_0, x, q).ok());  // 100 bytes != 18
  q.resize(18);
  EXPECT_TRUE(Quantize(GgmlType::kQ4_0, x, q).ok());
  EXPECT_FALSE(Quantize(GgmlType::kIQ2_XXS, x, q).ok());
  EXPECT_FALSE(CanQuantize(GgmlType::kQ8_1));
}

}  // namespace
}  // namespace rf::quant
