// One switch to see everything (tinygrad's DEBUG levels): RF_DEBUG=1 prints what each stage did
// (passes and their times, the memory plan, kernels compiled or cached), 2 adds per-op detail,
// 3 adds per-step detail at run time. Messages go to stderr.
#pragma once

#include "absl/strings/string_view.h"

#include "absl/strings/str_format.h"

namespace rf {

// The level from the RF_DEBUG environment variable (0 when unset), read once; SetDebugLevel
// overrides it (the tools' --debug flag).
int DebugLevel();
void SetDebugLevel(int level);

void DebugWrite(absl::string_view line);

// RF_DEBUG_LOG(1, "planned %d values", n): printed when the debug level is at least `level`.
#define RF_DEBUG_LOG(level, ...)                                                         \
  do {                                                                                   \
    if (::rf::DebugLevel() >= (level)) ::rf::DebugWrite(::absl::StrFormat(__VA_ARGS__)); \
  } while (0)

}  // namespace rf
