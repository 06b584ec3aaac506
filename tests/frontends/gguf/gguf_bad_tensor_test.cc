// Hostile or broken tensor infos: each gives an error naming the file, the byte offset and the
// field. With no metadata the first tensor info starts at byte 24; an info named "w" with one dim
// is name 24..33, n_dims 33, dims[0] 37, type 45, offset 49, and the next info starts at 57.
#include <cstdint>
#include <limits>
#include <string>

#include "frontends/gguf/gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/frontends/gguf/gguf_bytes.h"
#include "tests/frontends/gguf/parse_error.h"

namespace rf::gguf::testing {
namespace {

using quant::GgmlType;

constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kNdims = 33, kDim0 = 37;

// A file with the given tensor infos (added by `infos`), padded, and `data_bytes` of data.
template <typename F>
GgufBytes WithTensors(uint64_t n_tensors, F infos, uint64_t data_bytes) {
  GgufBytes b;
  b.Header(n_tensors, 0);
  infos(b);
  b.PadTo(kDefaultAlignment).Zeros(data_bytes);
  return b;
}

TEST(GgufBadTensorTest, AbsurdNameLength) {
  for (uint64_t n : {uint64_t{1} << 60, kMaxU64}) {
    SCOPED_TRACE(n);
    EXPECT_PARSE_ERROR(GgufBytes().Header(1, 0).U64(n).Zeros(40), 24, "tensor info #0 name",
                       "runs past the end of the file (40 bytes left)");
  }
}

TEST(GgufBadTensorTest, NdimsOutOfRange) {
  for (uint32_t n : {0u, 5u, 0xffffffffu}) {
    SCOPED_TRACE(n);
    EXPECT_PARSE_ERROR(GgufBytes().Header(1, 0).Str("w").U32(n).Zeros(64), kNdims,
                       "tensor 'w' n_dims", absl::StrCat(n, " dimensions (expected 1 to 4)"));
  }
}

TEST(GgufBadTensorTest, DimensionAboveInt64) {
  auto b = WithTensors(
      1,
      [](GgufBytes& f) {
        f.Tensor("w", {4, uint64_t{1} << 63}, GgmlType::kF32, 0);
      },
      32);
  EXPECT_PARSE_ERROR(b, kDim0 + 8, "tensor 'w' dims[1]", "out of range");
}

TEST(GgufBadTensorTest, DimsWhoseProductOverflows) {
  // 2^32 * 2^32 wraps to 0 in 64 bits: a reader that multiplied unchecked would see an empty
  // tensor.
  auto wraps = WithTensors(
      1,
      [](GgufBytes& f) {
        f.Tensor("w", {1ull << 32, 1ull << 32}, GgmlType::kF32, 0);
      },
      32);
  EXPECT_PARSE_ERROR(wraps, kDim0 + 8, "tensor 'w' dims[1]", "the product of the dimensions");
  // 2^31 * 2^31 * 2 = 2^63: fits in u64 but not in ggml's int64 element count.
  auto int64 = WithTensors(
      1,
      [](GgufBytes& f) {
        f.Tensor("w", {1ull << 31, 1ull << 31, 2}, GgmlType::kF32, 0);
      },
      32);
  EXPECT_PARSE_ERROR(int64, kDim0 + 16, "tensor 'w' dims[2]", "more than 2^63 - 1 elements");
  // 2^62 f32 elements: the count is fine, the byte size (2^64) is not.
  auto bytes = WithTensors(
      1, [](GgufBytes& f) { f.Tensor("w", {1ull << 62}, GgmlType::kF32, 0); }, 32);
  EXPECT_PARSE_ERROR(bytes, kDim0 + 8, "tensor 'w' type", "take more than 2^64 bytes");
}

TEST(GgufBadTensorTest, UnknownTypeIds) {
  // 4 and 5 were Q4_2 and Q4_3, removed from ggml; 31-33 and 36-38 are unused; 40 is past the end.
  for (uint32_t t : {4u, 5u, 31u, 36u, 40u, 0xffffffffu}) {
    SCOPED_TRACE(t);
    auto b = WithTensors(
        1, [t](GgufBytes& f) { f.Tensor("w", {32}, t, 0); }, 128);
    EXPECT_PARSE_ERROR(b, kDim0 + 8, "tensor 'w' type", absl::StrCat("unknown tensor type id ", t));
  }
}

TEST(GgufBadTensorTest, RowNotAWholeNumberOfBlocks) {
  auto q4 = WithTensors(
      1,
      [](GgufBytes& f) {
        f.Tensor("w", {33, 2}, GgmlType::kQ4_0, 0);
      },
      64);
  EXPECT_PARSE_ERROR(q4, kDim0 + 16, "tensor 'w' type",
                     "row length 33 is not a multiple of the q4_0 block size 32");
  auto k = WithTensors(
      1,
      [](GgufBytes& f) {
        f.Tensor("w", {128, 2}, GgmlType::kQ4_K, 0);
      },
      256);
  EXPECT_PARSE_ERROR(k, kDim0 + 16, "tensor 'w' type", "q4_K block size 256");
}

TEST(GgufBadTensorTest, MisalignedOffsets) {
  auto b = WithTensors(
      2,
      [](GgufBytes& f) {
        f.Tensor("a", {8}, GgmlType::kF32, 0);
        f.Tensor("w", {8}, GgmlType::kF32, 36);
      },
      96);
  EXPECT_PARSE_ERROR(b, 57 + 25, "tensor 'w' offset", "36 is not a multiple of the alignment 32");

  // With general.alignment = 64, an offset of 32 is misaligned.
  GgufBytes b64;
  b64.Header(1, 1).KvU32("general.alignment", 64);
  const uint64_t info = b64.size();
  b64.Tensor("w", {8}, GgmlType::kF32, 32).PadTo(64).Zeros(128);
  EXPECT_PARSE_ERROR(b64, info + 25, "tensor 'w' offset",
                     "32 is not a multiple of the alignment 64");
}

TEST(GgufBadTensorTest, OffsetsOutOfRange) {
  // 8 f32 need 32 bytes; the data section has 16, 32 or none at the offset.
  auto short_data = WithTensors(
      1, [](GgufBytes& f) { f.Tensor("w", {8}, GgmlType::kF32, 0); }, 16);
  EXPECT_PARSE_ERROR(short_data, 49, "tensor 'w' offset",
                     "data at 0 + 32 bytes runs past the end of the data section (16 bytes from "
                     "file byte 64; file size 80; truncated?)");
  for (uint64_t offset : {uint64_t{32}, uint64_t{1} << 40, kMaxU64 - 31, uint64_t{1} << 63}) {
    SCOPED_TRACE(offset);
    auto far = WithTensors(
        1, [=](GgufBytes& f) { f.Tensor("w", {8}, GgmlType::kF32, offset); }, 32);
    EXPECT_PARSE_ERROR(far, 49, "tensor 'w' offset", "runs past the end of the data section");
  }
}

TEST(GgufBadTensorTest, DataSectionPastTheEnd) {
  GgufBytes b;
  b.Header(1, 0).Tensor("w", {8}, GgmlType::kF32, 0);  // ends at 57; the data would start at 64
  EXPECT_PARSE_ERROR(b, 57, "data section", "starts at 64, past the end of the file (size 57");
}

TEST(GgufBadTensorTest, OverlappingTensors) {
  // Same offset.
  auto same = WithTensors(
      2,
      [](GgufBytes& f) {
        f.Tensor("a", {8}, GgmlType::kF32, 0);
        f.Tensor("b", {8}, GgmlType::kF32, 0);
      },
      64);
  EXPECT_PARSE_ERROR(same, 57 + 25, "tensor 'b' offset",
                     "data at 0 + 32 bytes overlaps tensor 'a' at 0 + 32 bytes");
  // b starts inside a; listed first, it is still the later one in the data.
  auto inside = WithTensors(
      2,
      [](GgufBytes& f) {
        f.Tensor("b", {8}, GgmlType::kF32, 32);
        f.Tensor("a", {16}, GgmlType::kF32, 0);
      },
      64);
  EXPECT_PARSE_ERROR(inside, 49, "tensor 'b' offset", "overlaps tensor 'a' at 0 + 64 bytes");
  // c overlaps a; the empty tensor b between them in offset order must neither be blamed for
  // overlapping a nor hide c's overlap.
  auto far = WithTensors(
      3,
      [](GgufBytes& f) {
        f.Tensor("a", {32}, GgmlType::kF32, 0);  // [0, 128)
        f.Tensor("b", {0}, GgmlType::kF32, 64);  // empty
        f.Tensor("c", {8}, GgmlType::kF32, 96);  // [96, 128)
      },
      128);
  EXPECT_PARSE_ERROR(far, 24 + 33 + 33 + 25, "tensor 'c' offset", "overlaps tensor 'a'");
}

TEST(GgufBadTensorTest, EmptyTensorsHoldNoBytesAndOverlapNothing) {
  auto b = WithTensors(
      3,
      [](GgufBytes& f) {
        f.Tensor("a", {16}, GgmlType::kF32, 0);     // [0, 64)
        f.Tensor("e", {0, 3}, GgmlType::kF32, 32);  // inside a, but holds nothing
        f.Tensor("z", {0}, GgmlType::kQ4_0, 64);    // at the very end of the data
      },
      64);
  auto file = GgufFile::Parse("ok.gguf", b.bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->FindTensor("e")->n_bytes, 0u);
  EXPECT_EQ((*file)->FindTensor("e")->n_elements, 0u);
  EXPECT_EQ((*file)->FindTensor("z")->bytes().size(), 0u);
}

TEST(GgufBadTensorTest, DuplicateNames) {
  auto b = WithTensors(
      2,
      [](GgufBytes& f) {
        f.Tensor("w", {8}, GgmlType::kF32, 0);
        f.Tensor("w", {8}, GgmlType::kF32, 32);
      },
      64);
  EXPECT_PARSE_ERROR(b, 57, "tensor 'w'", "duplicate tensor name (first at byte 24)");
}

TEST(GgufBadTensorTest, TruncatedInfo) {
  EXPECT_PARSE_ERROR(GgufBytes().Header(1, 0).Str("w").U32(2).U64(8).Zeros(4), kDim0 + 8,
                     "tensor 'w' dims[1]", "needs 8 bytes but the file ends after 4");
}

}  // namespace
}  // namespace rf::gguf::testing
