// The statistics rfrun prints on stderr when a run ends: what loading cost (the backend's
// breakdown and its device allocations), prefill and decode speeds, why generation stopped, and
// the seed that repeats the run.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/backend.h"
#include "runtime/generate.h"

namespace rf::tools {

struct RunReport {
  std::string backend_name;
  LoadStats load;
  double load_ms = 0;       // everything from opening the plan to a backend ready to step
  double plan_ms = 0;       // of which opening and checking the plan file
  double tokenizer_ms = 0;  // ... and building the tokenizer from it
  int64_t max_context = 0;
  bool greedy = false;
  uint64_t seed = 0;
  bool seed_given = false;
};

// A few lines, each ending in '\n'. A context-full stop adds a line that says what to do.
std::string FormatRunReport(const RunReport& report, const GenerateResult& result);

}  // namespace rf::tools
