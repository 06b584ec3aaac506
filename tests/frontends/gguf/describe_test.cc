// What `rfc inspect` prints for a file: values formatted by type, and names from a hostile file
// escaped so that they cannot drive the terminal or break the table's lines.
#include "frontends/gguf/describe.h"

#include <algorithm>
#include <string>

#include "frontends/gguf/gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/frontends/gguf/gguf_bytes.h"

namespace rf::gguf::testing {
namespace {

using ::testing::HasSubstr;

TEST(DescribeTest, FormatsValuesByType) {
  GgufBytes b;
  b.Header(0, 3);
  b.ArrayKey("u64s", ValueType::kU64, 2).U64(~0ull).U64(7);
  b.ArrayKey("many", ValueType::kU8, 10).Zeros(10);
  b.KvString("s", "a\"b\\c\n");
  auto file = GgufFile::Parse("d.gguf", b.bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(FormatValue(*(*file)->Find("u64s")), "[18446744073709551615, 7]");
  EXPECT_EQ(FormatValue(*(*file)->Find("many"), 3), "[0, 0, 0, ... (10 items)]");
  EXPECT_EQ(FormatValue(*(*file)->Find("s")), "\"a\\\"b\\\\c\\n\"");
}

TEST(DescribeTest, EscapesControlBytesInNamesFromTheFile) {
  GgufBytes b;
  b.Header(1, 8);
  b.KvString("general.architecture", "llama");
  b.KvU32("llama.block_count", 1).KvU32("llama.embedding_length", 8);
  b.KvU32("llama.attention.head_count", 2).KvU32("llama.feed_forward_length", 16);
  b.Key("llama.attention.layer_norm_rms_epsilon", ValueType::kF32).F32(1e-5f);
  b.KvString("general.name", "evil\x1b]0;title\x07");
  b.KvU32("key\x1b[31m\nred", 1);
  b.Tensor("tensor\r\x7f", {8}, quant::GgmlType::kF32, 0).PadTo(32).Zeros(32);
  auto file = GgufFile::Parse("d.gguf", b.bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  const std::string text = DescribeGguf(**file);
  EXPECT_THAT(text, HasSubstr("key\\x1b[31m\\x0ared"));
  EXPECT_THAT(text, HasSubstr("tensor\\x0d\\x7f"));
  EXPECT_THAT(text, HasSubstr("llama (evil\\x1b]0;title\\x07)"));
  EXPECT_TRUE(std::none_of(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) < 0x20 && c != '\n') || c == 0x7f;
  })) << text;
}

}  // namespace
}  // namespace rf::gguf::testing
