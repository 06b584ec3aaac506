#include "support/half.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace rf {
namespace {

// Every one of the 65,536 halves survives f16 -> f32 -> f16 (NaNs stay NaN).
TEST(HalfTest, EveryF16RoundTripsThroughF32) {
  for (uint32_t h = 0; h < 65536; ++h) {
    float f = F16ToF32(static_cast<uint16_t>(h));
    uint16_t back = F32ToF16(f);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(F16ToF32(back))) << h;
    } else {
      EXPECT_EQ(back, h) << "half 0x" << std::hex << h;
    }
  }
}

TEST(HalfTest, KnownValues) {
  EXPECT_EQ(F32ToF16(1.0f), 0x3c00);
  EXPECT_EQ(F32ToF16(-2.0f), 0xc000);
  EXPECT_EQ(F32ToF16(65504.0f), 0x7bff);
  EXPECT_EQ(F32ToF16(65520.0f), 0x7c00);                 // rounds to infinity
  EXPECT_EQ(F32ToF16(5.960464477539063e-8f), 0x0001);    // smallest subnormal
  EXPECT_EQ(F32ToF16(2.98023223876953125e-8f), 0x0000);  // exactly half of it: ties to even (0)
  EXPECT_EQ(F32ToF16(1.0f + 1.0f / 2048), 0x3c00);       // tie between 0x3c00 and 0x3c01 -> even
  EXPECT_EQ(F32ToF16(1.0f + 3.0f / 2048), 0x3c02);       // tie between 0x3c01 and 0x3c02 -> even
  EXPECT_FLOAT_EQ(F16ToF32(0x3555), 0.333251953125f);
}

// Rounding to nearest: the half chosen is never farther from x than its neighbours.
TEST(HalfTest, RoundsToNearest) {
  uint32_t state = 12345;
  for (int k = 0; k < 200000; ++k) {
    state = state * 1664525u + 1013904223u;
    float x = std::ldexp(static_cast<float>(state >> 8) / (1 << 24), (k % 30) - 20);
    if (k & 1) x = -x;
    uint16_t h = F32ToF16(x);
    double err = std::fabs(static_cast<double>(F16ToF32(h)) - x);
    double up = std::fabs(static_cast<double>(F16ToF32(h + 1)) - x);
    double down = h & 0x7fff ? std::fabs(static_cast<double>(F16ToF32(h - 1)) - x) : 1e30;
    ASSERT_LE(err, up) << x;
    ASSERT_LE(err, down) << x;
  }
}

TEST(HalfTest, Bf16) {
  EXPECT_EQ(F32ToBf16(1.0f), 0x3f80);
  EXPECT_EQ(Bf16ToF32(0x3f80), 1.0f);
  // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: even mantissa wins.
  EXPECT_EQ(F32ToBf16(1.0f + 1.0f / 256), 0x3f80);
  EXPECT_EQ(F32ToBf16(1.0f + 3.0f / 256), 0x3f82);
  EXPECT_TRUE(std::isnan(Bf16ToF32(F32ToBf16(std::numeric_limits<float>::quiet_NaN()))));
  for (uint32_t b = 0; b < 65536; ++b) {
    float f = Bf16ToF32(static_cast<uint16_t>(b));
    if (!std::isnan(f)) {
      EXPECT_EQ(F32ToBf16(f), b);
    }
  }
}

}  // namespace
}  // namespace rf
