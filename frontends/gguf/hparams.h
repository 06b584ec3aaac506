// Model hyperparameters read from GGUF metadata, one struct for every architecture rf lowers.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "frontends/gguf/gguf.h"

namespace rf::gguf {

// How rotary embeddings pair up dimensions: kNorm rotates (x[2i], x[2i+1]) (llama), kNeox rotates
// (x[i], x[i + n_rot/2]) (qwen2, GPT-NeoX).
enum class RopeStyle { kNorm, kNeox };
const char* RopeStyleName(RopeStyle style);

struct ModelHParams {
  std::string arch;  // general.architecture: "llama" or "qwen2"
  std::string name;  // general.name, if any
  uint32_t n_layer = 0;
  uint32_t n_embd = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;  // n_embd / n_head unless attention.key_length says otherwise
  uint32_t n_ff = 0;
  uint32_t n_vocab = 0;
  uint32_t n_ctx_train = 0;
  uint32_t n_rot = 0;  // rope dimensions (rope.dimension_count, default head_dim)
  float rope_theta = 10000.0f;
  RopeStyle rope_style = RopeStyle::kNorm;
  bool has_rope_freqs = false;  // a rope_freqs.weight tensor scales frequencies (Llama 3.x)
  float rms_eps = 1e-5f;
  bool tied_embeddings = false;  // no output.weight: logits reuse token_embd.weight
  bool attn_bias = false;        // q/k/v projections carry biases (qwen2)
};

// Reads and checks the hyperparameters of a `llama` or `qwen2` model. Other architectures, and
// values that cannot describe a model (zero heads, n_embd not divisible by n_head, ...), are errors
// naming the key.
absl::StatusOr<ModelHParams> ReadHParams(const GgufFile& file);

// Multi-line human-readable summary (for rfc inspect).
std::string FormatHParams(const ModelHParams& hp);

}  // namespace rf::gguf
