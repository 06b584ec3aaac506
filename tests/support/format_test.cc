#include "support/format.h"

#include "gtest/gtest.h"

namespace rf {
namespace {

TEST(FormatTest, WithCommas) {
  EXPECT_EQ(WithCommas(0), "0");
  EXPECT_EQ(WithCommas(999), "999");
  EXPECT_EQ(WithCommas(1000), "1,000");
  EXPECT_EQ(WithCommas(1048612), "1,048,612");
  EXPECT_EQ(WithCommas(18446744073709551615ull), "18,446,744,073,709,551,615");
}

TEST(FormatTest, HumanBytes) {
  EXPECT_EQ(HumanBytes(512), "512 B");
  EXPECT_EQ(HumanBytes(1536), "1.50 KiB");
  EXPECT_EQ(HumanBytes(3ull << 30), "3.00 GiB");
}

TEST(FormatTest, Printable) {
  EXPECT_EQ(Printable("blk.0.attn_q.weight"), "blk.0.attn_q.weight");
  EXPECT_EQ(Printable("a\x1b[2J\nb\\"), "a\\x1b[2J\\x0ab\\x5c");
  EXPECT_EQ(Printable("\xc3\xa9"), "\\xc3\\xa9");
  EXPECT_EQ(Printable(std::string(10, 'x'), 4), "xxxx... (10 bytes)");
}

}  // namespace
}  // namespace rf
