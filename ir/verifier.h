// Checks that a graph is well formed: every operand is defined by an earlier op, every op's
// operand count, attributes and types obey its rule in ops.cc, declared result types equal the
// inferred ones, every symbolic dim is declared, and source/output names are unique. The first
// problem is returned with the op's printed form.
#pragma once

#include "absl/status/status.h"
#include "ir/graph.h"

namespace rf::ir {

absl::Status Verify(const Graph& graph);

// Runs an op's inference rule: the result types it should have.
absl::StatusOr<std::vector<Type>> InferResultTypes(const Op& op);

}  // namespace rf::ir
