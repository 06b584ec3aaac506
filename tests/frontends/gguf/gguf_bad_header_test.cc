// Hostile or broken GGUF headers and metadata: each gives an error naming the file, the byte offset
// and the field, never a crash or a huge allocation. Offsets: magic 0, version 4, tensor_count 8,
// metadata_kv_count 16, first key at 24.
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

using ::testing::HasSubstr;

constexpr uint64_t k2to60 = uint64_t{1} << 60;
constexpr uint64_t kMaxU64 = std::numeric_limits<uint64_t>::max();
constexpr uint64_t kFirstKey = 24;

TEST(GgufBadHeaderTest, EmptyFile) {
  EXPECT_PARSE_ERROR(GgufBytes(), 0, "magic", "needs 4 bytes but the file ends after 0");
}

TEST(GgufBadHeaderTest, WrongMagic) {
  EXPECT_PARSE_ERROR(GgufBytes().Bytes("GGML").U32(3), 0, "magic", "not a GGUF file");
  // The magic's bytes reversed, as a writer that stored it big-endian would.
  EXPECT_PARSE_ERROR(GgufBytes().Bytes("FUGG").U32(3), 0, "magic", "found 0x47475546");
  EXPECT_PARSE_ERROR(GgufBytes().Zeros(24), 0, "magic", "not a GGUF file");
}

TEST(GgufBadHeaderTest, UnknownVersions) {
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 0, 1), 4, "version", "version 1 is not supported");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 0, 4), 4, "version", "version 4 is not supported");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 0, 0), 4, "version", "version 0 is not supported");
  // A big-endian file: version 3 read little-endian is 0x03000000.
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 0, 0x03000000), 4, "version", "big-endian");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 0, 0x02000000), 4, "version", "big-endian");
}

TEST(GgufBadHeaderTest, TruncatedCounts) {
  EXPECT_PARSE_ERROR(GgufBytes().U32(kMagic), 4, "version", "needs 4 bytes");
  EXPECT_PARSE_ERROR(GgufBytes().U32(kMagic).U32(3).U32(0), 8, "tensor_count", "needs 8 bytes");
  EXPECT_PARSE_ERROR(GgufBytes().U32(kMagic).U32(3).U64(0), 16, "metadata_kv_count",
                     "needs 8 bytes but the file ends after 0");
}

TEST(GgufBadHeaderTest, AbsurdTensorCounts) {
  for (uint64_t n : {k2to60, kMaxU64, kMaxU64 - 1, uint64_t{1} << 32}) {
    SCOPED_TRACE(n);
    EXPECT_PARSE_ERROR(GgufBytes().Header(n, 0).Zeros(64), 8, "tensor_count",
                       "tensor infos cannot fit in the 64 bytes left");
  }
  // Counts that would fit in a big file still fail against the bytes actually there.
  EXPECT_PARSE_ERROR(GgufBytes().Header(3, 0).Zeros(64), 8, "tensor_count", "3 tensor infos");
}

TEST(GgufBadHeaderTest, AbsurdKeyValueCounts) {
  for (uint64_t n : {k2to60, kMaxU64, kMaxU64 - 1, uint64_t{1} << 32}) {
    SCOPED_TRACE(n);
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, n).Zeros(64), 16, "metadata_kv_count",
                       "key-value pairs cannot fit in the 64 bytes left");
  }
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, k2to60).Zeros(64), 16, "metadata_kv_count",
                     "1,152,921,504,606,846,976 key-value pairs");
}

TEST(GgufBadMetadataTest, AbsurdKeyLength) {
  for (uint64_t n : {k2to60, kMaxU64, kMaxU64 - 7}) {
    SCOPED_TRACE(n);
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).U64(n).Zeros(16), kFirstKey, "metadata key #0",
                       "runs past the end of the file (16 bytes left)");
  }
}

TEST(GgufBadMetadataTest, KeyRunsPastTheEnd) {
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).U64(20).Bytes("13 bytes only"), kFirstKey,
                     "metadata key #0",
                     "string length 20 runs past the end of the file (13 bytes left)");
}

TEST(GgufBadMetadataTest, AbsurdStringValueLength) {
  const uint64_t value_at = kFirstKey + 8 + 1 + 4;
  for (uint64_t n : {k2to60, kMaxU64}) {
    SCOPED_TRACE(n);
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Key("k", ValueType::kString).U64(n), value_at,
                       "metadata 'k'", "runs past the end of the file (0 bytes left)");
  }
}

TEST(GgufBadMetadataTest, StringValueRunsPastTheEnd) {
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Key("k", ValueType::kString).U64(5).Bytes("abcd"),
                     kFirstKey + 13, "metadata 'k'", "string length 5 runs past the end");
}

TEST(GgufBadMetadataTest, ScalarRunsPastTheEnd) {
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Key("k", ValueType::kU64).U32(0), kFirstKey + 13,
                     "metadata 'k'", "needs 8 bytes but the file ends after 4");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Str("abcdef").U16(0), kFirstKey + 14,
                     "metadata 'abcdef'", "needs 4 bytes but the file ends after 2");
}

TEST(GgufBadMetadataTest, AbsurdArrayCounts) {
  const uint64_t count_at = kFirstKey + 8 + 1 + 4 + 4;
  // u64 elements: count * 8 overflows 64 bits for these counts; the check must not multiply.
  for (uint64_t n : {k2to60, kMaxU64, kMaxU64 / 8 + 1}) {
    SCOPED_TRACE(n);
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).ArrayKey("k", ValueType::kU64, n).Zeros(8),
                       count_at, "metadata 'k'",
                       "u64 runs past the end of the file (8 bytes left)");
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).ArrayKey("k", ValueType::kU8, n).Zeros(8), count_at,
                       "metadata 'k'", "u8 runs past the end of the file");
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).ArrayKey("k", ValueType::kString, n).Zeros(8),
                       count_at, "metadata 'k'", "strings cannot fit in the 8 bytes left");
  }
}

TEST(GgufBadMetadataTest, ArrayRunsPastTheEnd) {
  const uint64_t count_at = kFirstKey + 17;
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).ArrayKey("k", ValueType::kU32, 3).U32(1).U32(2),
                     count_at, "metadata 'k'",
                     "array of 3 u32 runs past the end of the file (8 bytes left)");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).ArrayKey("k", ValueType::kF64, 1).U32(0), count_at,
                     "metadata 'k'", "array of 1 f64 runs past the end");
}

TEST(GgufBadMetadataTest, StringArrayElementRunsPastTheEnd) {
  GgufBytes b;
  b.Header(0, 1).ArrayKey("k", ValueType::kString, 3).Str("a").Str("b");
  const uint64_t third = b.size();
  b.U64(100).Bytes("c");
  EXPECT_PARSE_ERROR(b, third, "metadata 'k' element #2", "string length 100 runs past the end");
  // The element's length itself cut short.
  GgufBytes cut;
  cut.Header(0, 1).ArrayKey("k", ValueType::kString, 2).Str("abcdefgh").U32(0);
  EXPECT_PARSE_ERROR(cut, kFirstKey + 25 + 16, "metadata 'k' element #1", "needs 8 bytes");
}

TEST(GgufBadMetadataTest, UnknownValueTypes) {
  for (uint32_t t : {13u, 100u, 0xffffffffu}) {
    SCOPED_TRACE(t);
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Str("k").U32(t).U64(0), kFirstKey + 9,
                       "metadata 'k'", absl::StrCat("unknown value type ", t));
    EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Key("k", ValueType::kArray).U32(t).U64(0),
                       kFirstKey + 13, "metadata 'k'",
                       absl::StrCat("unknown array element type ", t));
  }
}

TEST(GgufBadMetadataTest, NestedArrays) {
  GgufBytes b;
  b.Header(0, 1).ArrayKey("k", ValueType::kArray, 1).U32(static_cast<uint32_t>(ValueType::kU8));
  b.U64(1).U8(7);
  EXPECT_PARSE_ERROR(b, kFirstKey + 13, "metadata 'k'", "arrays of arrays are not supported");
}

TEST(GgufBadMetadataTest, DuplicateKeys) {
  GgufBytes b;
  b.Header(0, 3).KvU32("a", 1).KvString("b", "x");
  const uint64_t second_a = b.size();
  b.KvString("a", "again");
  EXPECT_PARSE_ERROR(b, second_a, "metadata 'a'", "duplicate key (first at byte 24)");
}

// Names from the file are escaped and cut in messages: a hostile key cannot garble the terminal.
TEST(GgufBadMetadataTest, KeysInErrorsAreEscapedAndCut) {
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Str("a\x1b[2Jb\n").U32(99), kFirstKey + 15,
                     "metadata 'a\\x1b[2Jb\\x0a'", "unknown value type 99");
  const std::string long_key(5000, 'x');
  const std::string message = ParseError(GgufBytes().Header(0, 1).Str(long_key).U32(99).bytes());
  EXPECT_THAT(message, HasSubstr("... (5,000 bytes)"));
  EXPECT_LT(message.size(), 300u);
}

TEST(GgufBadMetadataTest, AlignmentOfTheWrongType) {
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Key("general.alignment", ValueType::kU64).U64(32),
                     kFirstKey, "metadata 'general.alignment'", "expected u32, found u64");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).KvString("general.alignment", "32"), kFirstKey,
                     "metadata 'general.alignment'", "expected u32, found string");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).Key("general.alignment", ValueType::kI32).I32(32),
                     kFirstKey, "metadata 'general.alignment'", "expected u32, found i32");
  EXPECT_PARSE_ERROR(GgufBytes().Header(0, 1).ArrayKey("general.alignment", ValueType::kU32, 0),
                     kFirstKey, "metadata 'general.alignment'", "found array[u32; 0]");
}

TEST(GgufBadMetadataTest, AlignmentNotAPowerOfTwo) {
  for (uint32_t a : {0u, 3u, 48u, 1000u, 0x80000001u, 1u << 21, 0xffffffffu}) {
    SCOPED_TRACE(a);
    GgufBytes b;
    b.Header(0, 2).KvString("general.name", "x");
    const uint64_t at = b.size();
    b.KvU32("general.alignment", a);
    EXPECT_PARSE_ERROR(b, at, "metadata 'general.alignment'",
                       absl::StrCat("alignment ", a, " is not a power of two"));
  }
}

TEST(GgufBadMetadataTest, AlignmentsThatArePowersOfTwoParse) {
  for (uint32_t a : {1u, 2u, 64u, 4096u, 1u << 20}) {
    SCOPED_TRACE(a);
    GgufBytes b;
    b.Header(0, 1).KvU32("general.alignment", a);
    auto file = GgufFile::Parse("ok.gguf", b.bytes());
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ((*file)->alignment(), a);
  }
}

}  // namespace
}  // namespace rf::gguf::testing
