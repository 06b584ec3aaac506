#include "support/byte_reader.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rf {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> Sample() {
  ByteWriter w;
  w.Write<uint32_t>(0x01020304);
  w.Write<int64_t>(-5);
  w.Write<float>(1.5f);
  w.String("hello");
  w.Write<uint32_t>(3);  // a count
  w.Write<uint8_t>(7);
  return w.Take();
}

TEST(ByteReaderTest, ReadsWhatTheWriterWrote) {
  const std::vector<uint8_t> bytes = Sample();
  ByteReader in("f.bin: section 'x'", bytes, 1000);
  EXPECT_EQ(in.Read<uint32_t>("a").value(), 0x01020304u);
  EXPECT_EQ(in.Read<int64_t>("b").value(), -5);
  EXPECT_EQ(in.Read<float>("c").value(), 1.5f);
  EXPECT_EQ(in.offset(), 1016u);
  EXPECT_EQ(in.String("d").value(), "hello");
  EXPECT_EQ(in.Count("e", 0).value(), 3u);
  EXPECT_FALSE(in.at_end());
  EXPECT_THAT(in.ExpectEnd("end").message(),
              HasSubstr("f.bin: section 'x': byte 1,029: end: 1 bytes left over"));
  EXPECT_EQ(in.Bytes(1, "f").value()[0], 7);
  EXPECT_TRUE(in.at_end());
  EXPECT_TRUE(in.ExpectEnd("end").ok());
}

TEST(ByteReaderTest, ErrorsNameContextOffsetAndField) {
  const std::vector<uint8_t> bytes = Sample();
  ByteReader in("f.bin", std::span(bytes).first(6), 10);
  ASSERT_TRUE(in.Read<uint32_t>("a").ok());
  EXPECT_EQ(in.Read<uint32_t>("b").status().message(),
            "f.bin: byte 14: b: needs 4 bytes but only 2 are left (truncated?)");
  EXPECT_EQ(in.offset(), 14u);  // a failed read consumes nothing
  EXPECT_THAT(in.Bytes(3, "c").status().message(), HasSubstr("needs 3 bytes"));
}

TEST(ByteReaderTest, CountsAndLengthsAreCheckedAgainstTheBytesLeft) {
  ByteWriter w;
  w.Write<uint32_t>(1000);
  w.Bytes(std::vector<uint8_t>(100, 0));
  const std::vector<uint8_t> bytes = w.Take();
  {
    ByteReader in("f", bytes);
    EXPECT_TRUE(in.Count("n", 0).ok());  // items of no size: any count
  }
  {
    ByteReader in("f", bytes);
    EXPECT_EQ(in.Count("n", 1).status().message(),
              "f: byte 0: n: count 1,000 cannot fit in the 100 bytes left (at least 1 bytes each)");
  }
  {
    ByteReader in("f", bytes);
    EXPECT_THAT(in.String("s").status().message(),
                HasSubstr("f: byte 0: s: length 1,000 runs past the end (100 bytes left"));
  }
  {
    ByteReader in("f", bytes);
    EXPECT_THAT(in.String("s", 10).status().message(),
                HasSubstr("s: length 1,000 is over the limit of 10"));
  }
}

}  // namespace
}  // namespace rf
