// Turns a scheduled, memory-planned graph into a plan (runtime/plan/plan.h): every compute op
// becomes an instruction over absolute arena offsets, inputs and outputs become bindings, and the
// weights region is filled from the GGUF tensors at their planned offsets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontends/gguf/gguf.h"
#include "ir/graph.h"
#include "runtime/plan/plan.h"

namespace rf::compiler {

// Opcode of a compute op; nullopt for sources, views and outputs (no instruction).
std::optional<plan::Opcode> OpcodeOf(ir::OpKind kind);

// The plan of `graph` (which must be planned: passes plan-memory) for `target`. Kernels are left
// empty (the GPU codegen adds them).
absl::StatusOr<plan::Plan> BuildPlan(const ir::Graph& graph, const gguf::GgufFile& model,
                                     const std::string& target);

// The weights region: each weight's GGUF bytes at its planned offset, zeros between. With
// `gpu_layout`, the types GPU kernels read as planes are repacked (codegen/weight_layout.h).
absl::StatusOr<std::vector<uint8_t>> BuildWeightsRegion(const ir::Graph& graph,
                                                        const gguf::GgufFile& model,
                                                        bool gpu_layout = false);

}  // namespace rf::compiler
