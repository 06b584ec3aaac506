// Reads the IR text form (printer.h) back into a graph. Errors name the line and column:
//   "model.ir:12:18: unknown value %q7".
// Besides the printed form (full function types), the parser accepts two shorter forms that are
// handy in hand-written tests: only the result type (`: T x 896 x f32`), or no type at all, in
// which case the result is untyped until the infer-types pass fills it in.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ir/graph.h"

namespace rf::ir {

absl::StatusOr<std::unique_ptr<Graph>> ParseGraph(absl::string_view text,
                                                  absl::string_view file_name = "<input>");

}  // namespace rf::ir
