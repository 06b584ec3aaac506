// The writer: what it writes reads back identically (every value type, tensors of several types and
// alignments), and a write that fails leaves nothing behind.
#include "frontends/gguf/gguf_writer.h"

#include <dirent.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "frontends/gguf/gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/atomic_file.h"
#include "tests/test_util.h"

namespace rf::gguf {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The names in a directory (without . and ..).
std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
  }
  return names;
}

std::unique_ptr<GgufFile> WriteAndOpen(GgufWriter& w, const std::string& path) {
  absl::Status s = w.WriteFile(path);
  EXPECT_TRUE(s.ok()) << s;
  auto file = GgufFile::Open(path);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? std::move(*file) : nullptr;
}

template <typename T>
std::vector<T> ArrayOf(const Value& v) {
  std::vector<T> out(v.count);
  if (v.count) std::memcpy(out.data(), v.array_data, v.count * sizeof(T));
  return out;
}

// Copying every key and tensor of the bundled model through the writer gives back the same file,
// byte for byte (its producer used the same layout: insertion order, 32-byte alignment).
TEST(GgufWriterTest, CopyOfBundledModelIsByteIdentical) {
  const std::string src_path = testing::ModelPath("stories260K.gguf");
  auto src = GgufFile::Open(src_path);
  ASSERT_TRUE(src.ok()) << src.status();
  GgufWriter w;
  for (const KeyValue& kv : (*src)->metadata()) w.SetValue(kv.key, kv.value);
  for (const TensorInfo& t : (*src)->tensors()) {
    ASSERT_TRUE(w.AddTensor(t.name, t.dims, t.type, t.bytes()).ok());
  }
  const std::string out_path = testing::TempDir() + "/copy.gguf";
  ASSERT_TRUE(w.WriteFile(out_path).ok());
  auto original = ReadFileToString(src_path);
  auto copy = ReadFileToString(out_path);
  ASSERT_TRUE(original.ok() && copy.ok());
  EXPECT_EQ(original->size(), copy->size());
  EXPECT_TRUE(*original == *copy);
}

TEST(GgufWriterTest, EveryScalarTypeRoundTrips) {
  GgufWriter w;
  w.SetU8("u8", 255);
  w.SetI8("i8", -128);
  w.SetU16("u16", 65535);
  w.SetI16("i16", -32768);
  w.SetU32("u32", 4294967295u);
  w.SetI32("i32", std::numeric_limits<int32_t>::min());
  w.SetU64("u64", std::numeric_limits<uint64_t>::max());
  w.SetI64("i64", std::numeric_limits<int64_t>::min());
  w.SetF32("f32", -0.0f);
  w.SetF32("f32.inf", std::numeric_limits<float>::infinity());
  w.SetF32("f32.nan", std::numeric_limits<float>::quiet_NaN());
  w.SetF64("f64", 1e300);
  w.SetBool("yes", true);
  w.SetBool("no", false);
  w.SetString("str", "héllo");
  w.SetString("str.empty", "");
  w.SetString("str.nul", absl::string_view("a\0b", 3));
  auto f = WriteAndOpen(w, testing::TempDir() + "/scalars.gguf");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->metadata().size(), 17u);
  EXPECT_EQ(f->metadata()[0].key, "u8");  // insertion order is kept
  EXPECT_EQ(f->Find("u8")->type, ValueType::kU8);
  EXPECT_EQ(f->Find("u8")->u, 255u);
  EXPECT_EQ(f->Find("i8")->type, ValueType::kI8);
  EXPECT_EQ(f->Find("i8")->i, -128);
  EXPECT_EQ(f->Find("u16")->type, ValueType::kU16);
  EXPECT_EQ(f->Find("u16")->u, 65535u);
  EXPECT_EQ(f->Find("i16")->type, ValueType::kI16);
  EXPECT_EQ(f->Find("i16")->i, -32768);
  EXPECT_EQ(f->Find("u32")->type, ValueType::kU32);
  EXPECT_EQ(f->Find("u32")->u, 4294967295u);
  EXPECT_EQ(f->Find("i32")->type, ValueType::kI32);
  EXPECT_EQ(f->Find("i32")->i, std::numeric_limits<int32_t>::min());
  EXPECT_EQ(f->Find("u64")->type, ValueType::kU64);
  EXPECT_EQ(f->Find("u64")->u, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(f->Find("i64")->type, ValueType::kI64);
  EXPECT_EQ(f->Find("i64")->i, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f->Find("f32")->type, ValueType::kF32);
  EXPECT_TRUE(std::signbit(f->Find("f32")->f) && f->Find("f32")->f == 0);
  EXPECT_TRUE(std::isinf(f->Find("f32.inf")->f));
  EXPECT_TRUE(std::isnan(f->Find("f32.nan")->f));
  EXPECT_EQ(f->Find("f64")->type, ValueType::kF64);
  EXPECT_EQ(f->Find("f64")->f, 1e300);
  EXPECT_EQ(f->Find("yes")->type, ValueType::kBool);
  EXPECT_TRUE(f->Find("yes")->b);
  EXPECT_FALSE(f->Find("no")->b);
  EXPECT_EQ(*f->GetString("str"), "héllo");
  EXPECT_EQ(*f->GetString("str.empty"), "");
  EXPECT_EQ(*f->GetString("str.nul"), absl::string_view("a\0b", 3));
}

TEST(GgufWriterTest, EveryArrayTypeRoundTrips) {
  GgufWriter w;
  const int64_t ints[] = {-1, 0, 1, 127};
  const double floats[] = {0.5, -1e30, 3.0};
  w.SetIntArray("u8", ValueType::kU8, ints);
  w.SetIntArray("i8", ValueType::kI8, ints);
  w.SetIntArray("u16", ValueType::kU16, ints);
  w.SetIntArray("i16", ValueType::kI16, ints);
  w.SetIntArray("u32", ValueType::kU32, ints);
  w.SetIntArray("i32", ValueType::kI32, ints);
  w.SetIntArray("u64", ValueType::kU64, ints);
  w.SetIntArray("i64", ValueType::kI64, ints);
  w.SetIntArray("bool", ValueType::kBool, ints);
  w.SetFloatArray("f32", ValueType::kF32, floats);
  w.SetFloatArray("f64", ValueType::kF64, floats);
  const std::string strings[] = {"a", "", std::string(1000, 'x')};
  w.SetStringArray("strings", strings);
  w.SetIntArray("empty.u32", ValueType::kU32, {});
  w.SetFloatArray("empty.f64", ValueType::kF64, {});
  w.SetStringArray("empty.strings", {});
  auto f = WriteAndOpen(w, testing::TempDir() + "/arrays.gguf");
  ASSERT_NE(f, nullptr);
  auto array = [&](const char* key, ValueType t) -> const Value& {
    auto v = f->GetArray(key, t);
    EXPECT_TRUE(v.ok()) << v.status();
    return **v;
  };
  EXPECT_THAT(ArrayOf<uint8_t>(array("u8", ValueType::kU8)), ElementsAre(255, 0, 1, 127));
  EXPECT_THAT(ArrayOf<int8_t>(array("i8", ValueType::kI8)), ElementsAre(-1, 0, 1, 127));
  EXPECT_THAT(ArrayOf<uint16_t>(array("u16", ValueType::kU16)), ElementsAre(65535, 0, 1, 127));
  EXPECT_THAT(ArrayOf<int16_t>(array("i16", ValueType::kI16)), ElementsAre(-1, 0, 1, 127));
  EXPECT_THAT(ArrayOf<uint32_t>(array("u32", ValueType::kU32)),
              ElementsAre(4294967295u, 0, 1, 127));
  EXPECT_THAT(ArrayOf<int32_t>(array("i32", ValueType::kI32)), ElementsAre(-1, 0, 1, 127));
  EXPECT_THAT(ArrayOf<uint64_t>(array("u64", ValueType::kU64)),
              ElementsAre(std::numeric_limits<uint64_t>::max(), 0, 1, 127));
  EXPECT_THAT(ArrayOf<int64_t>(array("i64", ValueType::kI64)), ElementsAre(-1, 0, 1, 127));
  EXPECT_THAT(ArrayOf<uint8_t>(array("bool", ValueType::kBool)), ElementsAre(1, 0, 1, 1));
  EXPECT_THAT(ArrayOf<float>(array("f32", ValueType::kF32)), ElementsAre(0.5f, -1e30f, 3.0f));
  EXPECT_THAT(ArrayOf<double>(array("f64", ValueType::kF64)), ElementsAre(0.5, -1e30, 3.0));
  EXPECT_THAT(array("strings", ValueType::kString).strings,
              ElementsAre("a", "", std::string(1000, 'x')));
  EXPECT_EQ(array("empty.u32", ValueType::kU32).count, 0u);
  EXPECT_EQ(array("empty.f64", ValueType::kF64).count, 0u);
  EXPECT_EQ(array("empty.strings", ValueType::kString).count, 0u);
  EXPECT_TRUE(array("empty.strings", ValueType::kString).strings.empty());
}

// Tensors of several types and sizes, with each alignment: names, shapes, types and bytes come
// back, every offset and the data section are aligned.
TEST(GgufWriterTest, TensorsRoundTripWithEveryAlignment) {
  struct Spec {
    const char* name;
    std::vector<int64_t> dims;
    quant::GgmlType type;
  };
  const Spec specs[] = {
      {"f32", {7}, quant::GgmlType::kF32},
      {"f16", {3, 5}, quant::GgmlType::kF16},
      {"bf16", {2, 2, 2}, quant::GgmlType::kBF16},
      {"q8_0", {64, 3}, quant::GgmlType::kQ8_0},
      {"q4_0", {32, 1, 2, 1}, quant::GgmlType::kQ4_0},
      {"q4_K", {256, 2}, quant::GgmlType::kQ4_K},
      {"q6_K", {512}, quant::GgmlType::kQ6_K},
      {"i32", {5}, quant::GgmlType::kI32},
      {"empty", {0}, quant::GgmlType::kF32},
  };
  for (uint32_t alignment : {0u, 1u, 8u, 32u, 64u, 256u}) {
    SCOPED_TRACE(absl::StrCat("alignment ", alignment));
    GgufWriter w;
    w.SetString("general.architecture", "test");
    if (alignment != 0) w.SetU32("general.alignment", alignment);
    std::vector<std::vector<uint8_t>> data;
    for (const Spec& s : specs) {
      const uint64_t n_bytes = *quant::RowBytes(s.type, [&] {
        int64_t n = 1;
        for (int64_t d : s.dims) n *= d;
        return n;
      }());
      std::vector<uint8_t> bytes(n_bytes);
      for (size_t k = 0; k < bytes.size(); ++k)
        bytes[k] = static_cast<uint8_t>(k * 13 + data.size());
      ASSERT_TRUE(w.AddTensor(s.name, s.dims, s.type, bytes).ok()) << s.name;
      data.push_back(std::move(bytes));
    }
    auto f = WriteAndOpen(w, testing::TempDir() + "/tensors.gguf");
    ASSERT_NE(f, nullptr);
    const uint32_t expected_alignment = alignment == 0 ? 32 : alignment;
    EXPECT_EQ(f->alignment(), expected_alignment);
    EXPECT_EQ(f->data_offset() % expected_alignment, 0u);
    ASSERT_EQ(f->tensors().size(), std::size(specs));
    for (size_t k = 0; k < std::size(specs); ++k) {
      const TensorInfo& t = f->tensors()[k];
      SCOPED_TRACE(t.name);
      EXPECT_EQ(t.name, specs[k].name);
      EXPECT_EQ(t.dims, specs[k].dims);
      EXPECT_EQ(t.type, specs[k].type);
      EXPECT_EQ(t.offset % expected_alignment, 0u);
      EXPECT_EQ(std::vector<uint8_t>(t.bytes().begin(), t.bytes().end()), data[k]);
    }
  }
}

TEST(GgufWriterTest, SettingAKeyAgainKeepsItsPlace) {
  GgufWriter w;
  w.SetU32("a", 1);
  w.SetU32("b", 2);
  w.SetString("a", "now a string");
  w.SetU32("general.alignment", 64);
  EXPECT_EQ(w.alignment(), 64u);
  w.Remove("general.alignment");
  EXPECT_EQ(w.alignment(), 32u);
  auto f = WriteAndOpen(w, testing::TempDir() + "/replace.gguf");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->metadata().size(), 2u);
  EXPECT_EQ(f->metadata()[0].key, "a");
  EXPECT_EQ(*f->GetString("a"), "now a string");
  EXPECT_EQ(f->alignment(), 32u);
}

// A fill callback that fails: WriteFile returns its error with the path and the tensor, and neither
// the file nor a temporary is left; a file already at the path is kept as it was.
TEST(GgufWriterTest, FailedFillLeavesNoFile) {
  const std::string dir = testing::TempDir();
  GgufWriter w;
  w.SetString("general.architecture", "test");
  const std::vector<uint8_t> ok(32 * 4, 1);
  ASSERT_TRUE(w.AddTensor("good", {32}, quant::GgmlType::kF32, ok).ok());
  ASSERT_TRUE(w.AddTensor("bad", {32}, quant::GgmlType::kF32, [](std::span<uint8_t>) {
                 return absl::InternalError("the generator ran out of entropy");
               }).ok());
  absl::Status s = w.WriteFile(dir + "/out.gguf");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr(dir + "/out.gguf: tensor 'bad': the generator ran out of entropy"));
  EXPECT_THAT(ListDir(dir), ::testing::IsEmpty());

  ASSERT_TRUE(WriteFileAtomically(dir + "/out.gguf", std::vector<uint8_t>{1, 2, 3}).ok());
  EXPECT_FALSE(w.WriteFile(dir + "/out.gguf").ok());
  EXPECT_THAT(ListDir(dir), ElementsAre("out.gguf"));
  EXPECT_EQ(*ReadFileToString(dir + "/out.gguf"), std::string("\x01\x02\x03"));
}

// The writer refuses to write what the reader (and llama.cpp) would reject.
TEST(GgufWriterTest, RefusesInvalidFiles) {
  const std::string dir = testing::TempDir();
  auto write_error = [&](GgufWriter& w) {
    absl::Status s = w.WriteFile(dir + "/x.gguf");
    EXPECT_FALSE(s.ok());
    return std::string(s.message());
  };
  for (uint32_t a : {0u, 3u, 48u, 1u << 21}) {
    GgufWriter w;
    w.SetU32("general.alignment", a);
    EXPECT_THAT(write_error(w), HasSubstr("'general.alignment' must be a u32 power of two")) << a;
  }
  GgufWriter wrong_type;
  wrong_type.SetU64("general.alignment", 64);
  EXPECT_THAT(write_error(wrong_type), HasSubstr("'general.alignment' must be a u32"));
  GgufWriter string_elems;
  string_elems.SetIntArray("k", ValueType::kString, std::vector<int64_t>{1});
  EXPECT_THAT(write_error(string_elems), HasSubstr("metadata 'k': array of string"));
  EXPECT_THAT(ListDir(dir), ::testing::IsEmpty());

  GgufWriter t;
  const std::vector<uint8_t> bytes(4);
  EXPECT_FALSE(t.AddTensor(std::string(64, 'n'), {1}, quant::GgmlType::kF32, bytes).ok());
  EXPECT_TRUE(t.AddTensor(std::string(63, 'n'), {1}, quant::GgmlType::kF32, bytes).ok());
  EXPECT_FALSE(t.AddTensor(std::string(63, 'n'), {1}, quant::GgmlType::kF32, bytes).ok());
  EXPECT_FALSE(t.AddTensor("q", {33}, quant::GgmlType::kQ4_0, bytes).ok());
  EXPECT_FALSE(t.AddTensor("dims", {1, 1, 1, 1, 1}, quant::GgmlType::kF32, bytes).ok());
  EXPECT_FALSE(t.AddTensor("size", {2}, quant::GgmlType::kF32, bytes).ok());
}

}  // namespace
}  // namespace rf::gguf
