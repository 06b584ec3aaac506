// The options that write a plan for `target` to `path` (compiler::EmitPlan), for tests that need a
// plan file and nothing else.
#pragma once

#include <string>

#include "compiler/driver.h"

namespace rf::testing {

inline compiler::PlanOutputOptions PlanFor(const std::string& target, const std::string& path) {
  compiler::PlanOutputOptions o;
  o.target = target;
  o.output = path;
  return o;
}

}  // namespace rf::testing
