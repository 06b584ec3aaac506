#include "frontends/gguf/gguf_writer.h"

#include <cstring>

#include "frontends/gguf/gguf.h"
#include "gtest/gtest.h"
#include "support/atomic_file.h"
#include "tests/test_util.h"

namespace rf::gguf {
namespace {

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

}  // namespace
}  // namespace rf::gguf
