// A small valid GGUF file written by our writer: every metadata value type, and tensors of several
// types and sizes. It is the base of the truncation test and of the fuzzer's seed corpus.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace rf::gguf::testing {

// Writes the sample to `path`; `alignment` 0 leaves general.alignment unset (32). The last tensor
// ends on an alignment boundary, so the file has no trailing padding and every strict prefix of it
// is missing real content.
absl::Status WriteSampleGguf(const std::string& path, uint32_t alignment = 0);

}  // namespace rf::gguf::testing
