// The reference evaluator: runs an IR graph on the CPU, op by op, with the one CPU implementation
// of each op (runtime/cpu/ops.h). It is the oracle for everything after lowering — fused graphs,
// the memory plan, generated kernels — so it favours clarity: every value gets its own buffer,
// nothing is planned or reused. The KV cache (`state` values) persists across steps.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "frontends/gguf/gguf.h"
#include "ir/graph.h"
#include "runtime/cpu/thread_pool.h"

namespace rf::compiler {

class ReferenceEvaluator {
 public:
  // Binds every `weight` to the tensor of that name in `weights` (checking type and shape), and
  // allocates the states, zeroed. Both `graph` and `weights` must outlive the evaluator.
  static absl::StatusOr<std::unique_ptr<ReferenceEvaluator>> Create(const ir::Graph& graph,
                                                                    const gguf::GgufFile& weights,
                                                                    int threads = 0);

  // Runs one step over `tokens` at `positions` (same length, at most the graph's T bound) and
  // returns the f32 contents of every output by name ("logits": [rows, n_vocab]).
  absl::StatusOr<std::map<std::string, std::vector<float>>> Run(std::span<const int32_t> tokens,
                                                                std::span<const int32_t> positions);

  // Zeroes the states (a new sequence).
  void ResetState();

 private:
  ReferenceEvaluator(const ir::Graph& graph, int threads) : graph_(graph), pool_(threads) {}

  const ir::Graph& graph_;
  cpu::ThreadPool pool_;
  std::map<const ir::Value*, const uint8_t*> weights_;
  std::map<const ir::Value*, std::vector<uint8_t>> states_;
};

}  // namespace rf::compiler
