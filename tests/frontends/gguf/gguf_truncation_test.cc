// Every prefix of a valid file is a truncated file: each must give an error that points inside the
// prefix and says the file ended, never a crash or a read past the end (each prefix is parsed from
// a buffer of exactly its size, so AddressSanitizer sees any over-read).
#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "frontends/gguf/gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/atomic_file.h"
#include "tests/frontends/gguf/parse_error.h"
#include "tests/frontends/gguf/sample_gguf.h"
#include "tests/test_util.h"

namespace rf::gguf::testing {
namespace {

std::vector<uint8_t> ReadBytes(const std::string& path) {
  auto s = ReadFileToString(path);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::vector<uint8_t>(s->begin(), s->end()) : std::vector<uint8_t>();
}

// The prefix of `n` bytes fails, at a byte inside the prefix, because the file ends.
void ExpectTruncationError(const std::vector<uint8_t>& file, uint64_t n) {
  SCOPED_TRACE(absl::StrCat("prefix of ", n, " bytes"));
  const std::string error = ParseError(std::span<const uint8_t>(file.data(), n));
  static const std::regex kAt("^bad\\.gguf: byte ([0-9,]+): [^:]+: ");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(error, m, kAt)) << "error: '" << error << "'";
  EXPECT_LE(std::stoull(absl::StrReplaceAll(m[1].str(), {{",", ""}})), n) << error;
  EXPECT_THAT(error, ::testing::ContainsRegex(
                         "truncated\\?|runs past the end|cannot fit|past the end of the file"));
}

TEST(GgufTruncationTest, EveryPrefixOfTheSampleFails) {
  for (uint32_t alignment : {0u, 1u, 64u}) {
    SCOPED_TRACE(absl::StrCat("alignment ", alignment));
    const std::string path = rf::testing::TempDir() + "/sample.gguf";
    ASSERT_TRUE(WriteSampleGguf(path, alignment).ok());
    const std::vector<uint8_t> file = ReadBytes(path);
    ASSERT_EQ(ParseError(file), "");
    for (uint64_t n = 0; n < file.size(); ++n) ExpectTruncationError(file, n);
  }
}

// The bundled model: every prefix that cuts the header, the metadata or the tensor infos, then
// prefixes every 4 KiB or so through the tensor data.
TEST(GgufTruncationTest, PrefixesOfTheBundledModelFail) {
  const std::vector<uint8_t> file = ReadBytes(rf::testing::ModelPath("stories260K.gguf"));
  auto whole = GgufFile::Parse("whole.gguf", file);
  ASSERT_TRUE(whole.ok()) << whole.status();
  const uint64_t data_offset = (*whole)->data_offset();
  for (uint64_t n = 0; n <= data_offset; ++n) ExpectTruncationError(file, n);
  for (uint64_t n = data_offset; n < file.size(); n += 4093) ExpectTruncationError(file, n);
  ExpectTruncationError(file, file.size() - 1);
}

}  // namespace
}  // namespace rf::gguf::testing
