// Checks on the reader's errors: each must name the file, the byte offset and the field, as in
// "bad.gguf: byte 1,234: tensor 'w' offset: ...".
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "frontends/gguf/gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/format.h"
#include "tests/frontends/gguf/gguf_bytes.h"

namespace rf::gguf::testing {

inline constexpr char kBadName[] = "bad.gguf";

// Parses a copy of `bytes` in a buffer of exactly their size (so that AddressSanitizer catches a
// read one byte past the end) and returns the error message, or "" if the file parsed.
inline std::string ParseError(std::span<const uint8_t> bytes) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
  if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
  auto file = GgufFile::Parse(kBadName, {copy.get(), bytes.size()});
  return file.ok() ? "" : std::string(file.status().message());
}
inline std::string ParseError(const GgufBytes& b) {
  return ParseError(b.bytes());
}

// "bad.gguf: byte 1,234: FIELD: " (the location part of an error).
inline std::string At(uint64_t offset, absl::string_view field) {
  return absl::StrCat(kBadName, ": byte ", WithCommas(offset), ": ", field, ": ");
}

// The file fails to parse with an error at `offset` in `field` whose message contains `what`.
#define EXPECT_PARSE_ERROR(builder, offset, field, what)                                     \
  EXPECT_THAT(::rf::gguf::testing::ParseError(builder),                                      \
              ::testing::AllOf(::testing::HasSubstr(::rf::gguf::testing::At(offset, field)), \
                               ::testing::HasSubstr(what)))

}  // namespace rf::gguf::testing
