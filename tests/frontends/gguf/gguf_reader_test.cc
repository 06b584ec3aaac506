// The reader on valid input: the bundled model, typed metadata access and its errors, opening
// files that are not there or not regular.
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>

#include "frontends/gguf/gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/frontends/gguf/gguf_bytes.h"
#include "tests/test_util.h"

namespace rf::gguf::testing {
namespace {

using ::testing::HasSubstr;

TEST(GgufReaderTest, OpensTheBundledModel) {
  auto file = GgufFile::Open(rf::testing::ModelPath("stories260K.gguf"));
  ASSERT_TRUE(file.ok()) << file.status();
  const GgufFile& f = **file;
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  EXPECT_EQ(*f.GetString("general.architecture"), "llama");
  EXPECT_EQ(*f.GetU32("llama.block_count"), 5u);
  const TensorInfo* emb = f.FindTensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(emb->dims, (std::vector<int64_t>{64, 512}));
  // Tensors are views into the mapping, inside the file, in the data section.
  for (const TensorInfo& t : f.tensors()) {
    const uint8_t* begin = emb->data - emb->offset;  // the data section
    EXPECT_EQ(t.data, begin + t.offset) << t.name;
    EXPECT_LE(f.data_offset() + t.offset + t.n_bytes, f.file_size()) << t.name;
  }
}

// A file with one key of each kind the getters are tried on.
GgufBytes GetterFile() {
  GgufBytes b;
  b.Header(0, 9);
  b.KvString("s", "text");
  b.Key("u8", ValueType::kU8).U8(200);
  b.Key("neg", ValueType::kI32).I32(-1);
  b.Key("big", ValueType::kU64).U64(uint64_t{1} << 40);
  b.Key("huge", ValueType::kU64).U64(std::numeric_limits<uint64_t>::max());
  b.Key("f64", ValueType::kF64).F64(0.25);
  b.Key("flag", ValueType::kBool).U8(1);
  b.ArrayKey("words", ValueType::kString, 2).Str("a").Str("b");
  b.ArrayKey("floats", ValueType::kF32, 4).F32(NAN).F32(1e30f).F32(-1e30f).F32(-2.5f);
  return b;
}

TEST(GgufReaderTest, TypedGettersAcceptWhatFits) {
  GgufBytes b = GetterFile();
  auto file = GgufFile::Parse("g.gguf", b.bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  const GgufFile& f = **file;
  EXPECT_EQ(*f.GetString("s"), "text");
  EXPECT_EQ(*f.GetU32("u8"), 200u);
  EXPECT_EQ(*f.GetI64("neg"), -1);
  EXPECT_EQ(*f.GetU64("big"), uint64_t{1} << 40);
  EXPECT_EQ(*f.GetU64("huge"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(*f.GetF32("f64"), 0.25f);
  EXPECT_TRUE(*f.GetBool("flag"));
  EXPECT_EQ((*f.GetArray("words", ValueType::kString))->strings.size(), 2u);
  EXPECT_EQ(*f.GetU32Or("absent", 7), 7u);
  EXPECT_EQ(*f.GetF32Or("absent", 0.5f), 0.5f);
  EXPECT_FALSE(*f.GetBoolOr("absent", false));
}

TEST(GgufReaderTest, TypedGettersNameTheKeyAndTheTypes) {
  GgufBytes b = GetterFile();
  auto file = GgufFile::Parse("g.gguf", b.bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  const GgufFile& f = **file;
  auto message = [](const absl::Status& s) { return std::string(s.message()); };
  EXPECT_EQ(message(f.GetU32("s").status()), "g.gguf: key s: expected u32, found string");
  EXPECT_EQ(message(f.GetU32("absent").status()), "g.gguf: key absent: missing");
  EXPECT_EQ(message(f.GetU32("neg").status()), "g.gguf: key neg: value -1 does not fit in u32");
  EXPECT_EQ(message(f.GetU32("big").status()),
            "g.gguf: key big: value 1099511627776 does not fit in u32");
  EXPECT_EQ(message(f.GetU64("neg").status()), "g.gguf: key neg: value -1 is negative");
  EXPECT_EQ(message(f.GetI64("huge").status()),
            "g.gguf: key huge: value 18446744073709551615 does not fit in i64");
  EXPECT_EQ(message(f.GetF32("u8").status()), "g.gguf: key u8: expected f32, found u8");
  EXPECT_EQ(message(f.GetBool("u8").status()), "g.gguf: key u8: expected bool, found u8");
  EXPECT_EQ(message(f.GetString("words").status()),
            "g.gguf: key words: expected string, found array[string; 2]");
  EXPECT_EQ(message(f.GetArray("words", ValueType::kU32).status()),
            "g.gguf: key words: expected array[u32], found array[string; 2]");
  // A present key of the wrong type is an error even with a default.
  EXPECT_THAT(message(f.GetU32Or("s", 1).status()), HasSubstr("expected u32, found string"));
  EXPECT_THAT(message(f.GetBoolOr("u8", true).status()), HasSubstr("expected bool, found u8"));
}

// Float array elements read as integers saturate; a NaN reads 0 (the conversion would otherwise be
// undefined behaviour, which the sanitizer build turns into a failure).
TEST(GgufReaderTest, FloatArrayElementsAsIntegersSaturate) {
  GgufBytes b = GetterFile();
  auto file = GgufFile::Parse("g.gguf", b.bytes());
  ASSERT_TRUE(file.ok()) << file.status();
  const Value& floats = *(*file)->Find("floats");
  EXPECT_EQ(floats.ArrayAsInt(0), 0);
  EXPECT_EQ(floats.ArrayAsInt(1), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(floats.ArrayAsInt(2), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(floats.ArrayAsInt(3), -2);
  EXPECT_TRUE(std::isnan(floats.ArrayAsDouble(0)));
}

TEST(GgufReaderTest, OpenNamesThePathOnFailure) {
  const std::string dir = rf::testing::TempDir();
  auto missing = GgufFile::Open(dir + "/missing.gguf");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr(dir + "/missing.gguf: cannot open"));
  auto directory = GgufFile::Open(dir);
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(std::string(directory.status().message()), HasSubstr("not a regular file"));
  std::ofstream(dir + "/empty.gguf").close();
  auto empty = GgufFile::Open(dir + "/empty.gguf");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()),
              HasSubstr(dir + "/empty.gguf: byte 0: magic: needs 4 bytes"));
}

}  // namespace
}  // namespace rf::gguf::testing
