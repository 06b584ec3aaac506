// Number formatting for messages and reports a person reads.
#pragma once

#include <cstdint>
#include <string>

namespace rf {

// 1048612 -> "1,048,612".
std::string WithCommas(uint64_t n);
// 1536 -> "1.50 KiB"; below 1 KiB, "N B".
std::string HumanBytes(uint64_t n);

}  // namespace rf
