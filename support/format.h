// Number and text formatting for messages and reports a person reads.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace rf {

// 1048612 -> "1,048,612".
std::string WithCommas(uint64_t n);
// 1536 -> "1.50 KiB"; below 1 KiB, "N B".
std::string HumanBytes(uint64_t n);
// Text from a file as shown in a message: bytes below 0x20, 0x7f and above are escaped (\x1b), so
// that a hostile name cannot drive the terminal or break lines, and text past `max_bytes` is cut
// ("... (N bytes)").
std::string Printable(absl::string_view s, size_t max_bytes = 96);

}  // namespace rf
