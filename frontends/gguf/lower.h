// Lowers a GGUF model (llama or qwen2 architecture) to the IR: one decode/prefill step that takes
// `tokens` and `positions` ([T] i32 step inputs), reads and updates the KV cache (one `state` per
// layer for K and one for V, [max_context, n_head_kv, head_dim]), and outputs `logits`.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/hparams.h"
#include "ir/graph.h"

namespace rf::gguf {

struct LowerOptions {
  int64_t max_context = 0;  // KV cache rows; 0: the model's training context, capped at 4096
  int64_t max_batch = 512;  // upper bound of T, the tokens of one step
  ir::ElemType kv_type = ir::ElemType::kF16;  // llama.cpp's default KV cache type
  bool all_logits = false;  // logits for every token of the step, not only the last
};

absl::StatusOr<std::unique_ptr<ir::Graph>> LowerModel(const GgufFile& file,
                                                      const LowerOptions& options = {});

}  // namespace rf::gguf
