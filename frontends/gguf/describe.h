// A human-readable description of a GGUF file: what `rfc inspect` prints.
#pragma once

#include <string>

#include "frontends/gguf/gguf.h"

namespace rf::gguf {

// One metadata value as text; arrays longer than `max_items` show their first items and length.
std::string FormatValue(const Value& value, size_t max_items = 8);

// Version, every metadata key (long arrays abbreviated), the hyperparameters when the architecture
// is understood (or why not), and a table of tensors with their total.
std::string DescribeGguf(const GgufFile& file);

}  // namespace rf::gguf
