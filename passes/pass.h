// A pass transforms an ir::Graph in place. One pass per file, each with a header comment saying
// what it does and why, and a Create...Pass() factory declared in passes.h; the registry
// (registry.cc) maps the pass's name to its factory so that pipelines, --disable-pass=NAME and
// --print-ir-after=NAME all refer to passes by name.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "ir/graph.h"

namespace rf::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  // The pass's registry name, e.g. "dce".
  virtual const char* name() const = 0;
  virtual absl::Status Run(ir::Graph& graph) = 0;
};

}  // namespace rf::passes
