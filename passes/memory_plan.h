// Static memory planning: every value of a scheduled graph gets a place in ONE arena,
//
//   weights | kv cache | activations | step parameters
//
// weights and KV-cache states one after another (256-byte aligned); step inputs after a block of
// step scalars (the token count); activations reused by liveness over the schedule. Symbolic dims
// count at their upper bounds. CheckMemoryPlan proves the result: no two values that are live at
// the same time share a byte.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ir/graph.h"

namespace rf::passes {

inline constexpr int64_t kArenaAlignment = 256;
// The first bytes of the step-parameter region hold the step's scalars: n_tokens (i32) at 0.
inline constexpr int64_t kStepScalarBytes = 256;
inline constexpr int64_t kStepNTokensOffset = 0;

// The value whose storage `v` uses: itself, or the base of a view chain.
const ir::Value* StorageOf(const ir::Value* v);
// Bytes of a value at the graph's symbol bounds.
int64_t MaxBytes(const ir::Value& v, const ir::Graph& graph);

// A value's lifetime over the schedule: [first, last] op indices, inclusive.
struct Lifetime {
  const ir::Value* value;
  int64_t first;
  int64_t last;
  int64_t bytes;
};
// Lifetimes of the activations (values with storage of their own that are not sources), with
// view uses and graph outputs (live to the end) accounted for.
std::vector<Lifetime> ActivationLifetimes(const ir::Graph& graph);

// Assigns every value a placement and sets the graph's region sizes.
absl::Status PlanMemory(ir::Graph& graph);

// Checks a planned graph: placements inside their regions and aligned, views at their base's
// place, and no overlap between any two activations live at the same time, nor between sources.
absl::Status CheckMemoryPlan(const ir::Graph& graph);

// "arena 1.2 MiB: weights ..., kv ..., activations ..., params ...; naive sum ...; saving ..."
struct MemoryReport {
  int64_t weights = 0, kv_cache = 0, activations = 0, step_params = 0;
  int64_t naive_activations = 0;  // every activation in a buffer of its own
  int64_t arena() const { return weights + kv_cache + activations + step_params; }
  int64_t naive() const { return weights + kv_cache + naive_activations + step_params; }
  std::string ToString() const;
};
MemoryReport ReportMemory(const ir::Graph& graph);

}  // namespace rf::passes
