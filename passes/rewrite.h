// Small helpers that fusion patterns share: matching an operand's defining op, and replacing a
// group of ops by one fused op.
#pragma once

#include <initializer_list>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "ir/graph.h"

namespace rf::passes {

// The op defining `v` if it has kind `kind`, else null.
inline ir::Op* DefinedBy(ir::Value* v, ir::OpKind kind) {
  return v != nullptr && v->def()->kind() == kind ? v->def() : nullptr;
}

inline bool HasOneUse(const ir::Value* v) {
  return v->users().size() == 1;
}

// Creates `kind(operands){attrs}` right before `at`, infers its result types, points every use of
// `replaced[i]` at the new op's result i, and erases the ops in `dead` (users first) once unused.
absl::StatusOr<ir::Op*> ReplaceWithFused(ir::Graph& graph, ir::Op* at, ir::OpKind kind,
                                         std::vector<ir::Value*> operands, ir::AttrMap attrs,
                                         std::vector<ir::Value*> replaced,
                                         std::vector<ir::Op*> dead);

// Program positions of every op (for "is this defined before that" questions).
std::unordered_map<const ir::Op*, int> OpPositions(const ir::Graph& graph);

}  // namespace rf::passes
