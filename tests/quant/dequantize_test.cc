// Dequantization of hand-built blocks (the values follow from ggml's definitions in
// ggml-common.h); bit-exactness against ggml itself is ggml_exactness_test.cc's job.
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "quant/blocks.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "quant/types.h"
#include "support/half.h"

namespace rf::quant {
namespace {

template <typename Block>
std::vector<float> Decode(GgmlType type, const Block& b, int n) {
  std::vector<float> out(n);
  DequantizeRow(type, &b, out.data(), n);
  return out;
}

// `dequantizable` in types.cc is true exactly for the types that have a row decoder.
TEST(DequantizeTest, DequantizableMatchesImplementation) {
  for (uint32_t id = 0; id < 64; ++id) {
    const TypeInfo* t = FindType(id);
    if (t == nullptr) continue;
    EXPECT_EQ(t->dequantizable, GetDequantizeRow(t->type) != nullptr) << t->name;
  }
}

TEST(DequantizeTest, Q4_0) {
  BlockQ4_0 b;
  b.d = F32ToF16(0.5f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | (15 - j) << 4);
  std::vector<float> y = Decode(GgmlType::kQ4_0, b, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * (j - 8));
    EXPECT_EQ(y[j + 16], 0.5f * (15 - j - 8));
  }
}

TEST(DequantizeTest, Q4_1) {
  BlockQ4_1 b;
  b.d = F32ToF16(0.25f);
  b.m = F32ToF16(-1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | j << 4);
  std::vector<float> y = Decode(GgmlType::kQ4_1, b, 32);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(y[j], 0.25f * j - 1.0f);
}

TEST(DequantizeTest, Q5_0HighBits) {
  BlockQ5_0 b;
  b.d = F32ToF16(1.0f);
  std::memset(b.qs, 0, sizeof(b.qs));
  const uint32_t qh = 0x80000001u;  // element 0 and element 31 have their 5th bit set
  std::memcpy(b.qh, &qh, 4);
  std::vector<float> y = Decode(GgmlType::kQ5_0, b, 32);
  EXPECT_EQ(y[0], 0.0f);    // 16 - 16
  EXPECT_EQ(y[1], -16.0f);  // 0 - 16
  EXPECT_EQ(y[31], 0.0f);
  EXPECT_EQ(y[16], -16.0f);
}

TEST(DequantizeTest, Q8_0) {
  BlockQ8_0 b;
  b.d = F32ToF16(2.0f);
  for (int j = 0; j < 32; ++j) b.qs[j] = static_cast<int8_t>(j * 8 - 127);
  std::vector<float> y = Decode(GgmlType::kQ8_0, b, 32);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(y[j], 2.0f * (j * 8 - 127));
}

TEST(DequantizeTest, Q4_KScalesAndMins) {
  BlockQ4_K b;
  std::memset(&b, 0, sizeof(b));
  b.d = F32ToF16(1.0f);
  b.dmin = F32ToF16(0.5f);
  // Sub-block 0: sc 1, m 2; sub-block 5: sc 33 (high bits in byte 1), m 17 (high bits in byte 5).
  b.scales[0] = 1;
  b.scales[4] = 2;
  b.scales[9] = (33 & 0xF) | (17 & 0xF) << 4;
  b.scales[1] |= (33 >> 4) << 6;
  b.scales[5] |= (17 >> 4) << 6;
  b.qs[0] = 0x07;   // element 0 (sub-block 0) = 7
  b.qs[64] = 0x30;  // element 160 (sub-block 5, high nibbles of bytes 64..95) = 3
  std::vector<float> y = Decode(GgmlType::kQ4_K, b, 256);
  EXPECT_EQ(y[0], 1.0f * 7 - 0.5f * 2);
  EXPECT_EQ(y[1], -1.0f);
  EXPECT_EQ(y[160], 33.0f * 3 - 0.5f * 17);
}

TEST(DequantizeTest, Q6_KLayout) {
  BlockQ6_K b;
  std::memset(&b, 0, sizeof(b));
  b.d = F32ToF16(1.0f);
  for (int j = 0; j < 16; ++j) b.scales[j] = static_cast<int8_t>(j - 8);
  // All quants stored as 32 (value 0) except element 200: half 1, position 72 = third quarter,
  // l = 8: low nibble in the high nibble of ql[64 + 8], high bits 4-5 of qh[32 + 8].
  std::memset(b.ql, 0, sizeof(b.ql));
  for (int l = 0; l < 64; ++l) b.qh[l] = 0xAA;  // every 2-bit field = 2 -> stored 32 -> value 0
  b.ql[64 + 8] = 0x50;                          // element 200: low nibble 5
  b.qh[32 + 8] = static_cast<uint8_t>((0xAA & ~0x30) | 3 << 4);  // high bits 3 -> stored 53
  std::vector<float> y = Decode(GgmlType::kQ6_K, b, 256);
  for (int i = 0; i < 256; ++i) {
    if (i != 200) {
      EXPECT_EQ(y[i], 0.0f) << i;
    }
  }
  EXPECT_EQ(y[200], 1.0f * (200 / 16 - 8) * (53 - 32));
}

TEST(DequantizeTest, WholeTensorErrors) {
  std::vector<uint8_t> src(18);
  std::vector<float> dst(32);
  EXPECT_TRUE(Dequantize(GgmlType::kQ4_0, src, dst).ok());
  dst.resize(64);
  EXPECT_FALSE(Dequantize(GgmlType::kQ4_0, src, dst).ok());  // 18 bytes are one block, not two
  EXPECT_FALSE(Dequantize(GgmlType::kIQ2_XXS, src, dst).ok());
  EXPECT_FALSE(DequantizeToF32(GgmlType::kQ4_0, src, 33).ok());
  auto v = DequantizeToF32(GgmlType::kQ4_0, src, 32);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->size(), 32u);
}

}  // namespace
}  // namespace rf::quant
