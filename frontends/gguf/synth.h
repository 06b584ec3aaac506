// Random-weight models in the exact shapes of real ones (rfc synth): for tests and benchmarks on
// machines that cannot receive multi-gigabyte files. Tensor names, shapes and metadata keys are
// those llama.cpp's converter (convert_hf_to_gguf.py) writes for the real model; the tokenizer is
// copied from a vocab GGUF; matrices are quantized as llama.cpp's quantizer would lay them out
// (quant_recipe.h).
//
// Values are deterministic for a seed (on any number of threads) and scaled like a trained model's,
// so that the logits are finite and far from flat: matrices ~ N(0, 1/fan_in), output projections
// of the residual stream (attn_output, ffn_down) further scaled by 1/sqrt(2 n_layer) as GPT-2
// initializes them, norms ~ 1 + N(0, 0.05^2), biases ~ N(0, 0.1^2).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "frontends/gguf/quant_recipe.h"

namespace rf::gguf {

// Llama 3's rope scaling (rope_type "llama3" in the HF config): the converter turns it into the
// rope_freqs.weight tensor of per-dimension frequency factors.
struct Llama3RopeScaling {
  float factor = 8.0f;
  float low_freq_factor = 1.0f;
  float high_freq_factor = 4.0f;
  uint32_t original_context = 8192;
};

// What a preset fixes: the hyperparameters of the HF config the converter would read.
struct SynthShape {
  std::string arch;  // "llama" or "qwen2"
  std::string name;  // general.name
  uint32_t n_layer = 0;
  uint32_t n_embd = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t n_ff = 0;
  uint32_t n_vocab = 0;  // 0: the vocab file's token count
  uint32_t n_ctx_train = 0;
  float rope_theta = 10000.0f;
  float rms_eps = 1e-5f;
  bool tied_embeddings = false;  // no output.weight (the converter writes none)
  bool attn_bias = false;        // q/k/v biases (qwen2)
  // The config states head_dim (Llama 3.2): the converter writes attention.key_length and
  // attention.value_length.
  bool explicit_head_dim = false;
  std::optional<Llama3RopeScaling> llama3_rope;

  uint32_t head_dim() const { return n_head == 0 ? 0 : n_embd / n_head; }
};

// The presets: "tiny" for either arch (3 layers, n_embd 256, 4 heads, 2 KV heads, n_ff 768;
// llama untied, qwen2 tied with biases), and the real shapes "qwen2.5-0.5b", "llama-3.2-1b",
// "llama-2-7b" (whose arch must match). An empty `arch` takes the preset's own.
absl::StatusOr<SynthShape> PresetShape(absl::string_view arch, absl::string_view preset);
// "tiny, qwen2.5-0.5b, ..." for usage texts.
std::string PresetNames();

// One tensor of a synthesized model: name and shape as llama.cpp's converter writes them, the type
// the recipe gives it, and the distribution of its values.
struct SynthTensor {
  std::string name;
  std::vector<int64_t> dims;  // ggml order: dims[0] is the row length
  quant::GgmlType type = quant::GgmlType::kF32;
  int layer = -1;  // block index, -1 outside the blocks
  float mean = 0;
  float std = 0;
  bool rope_freqs = false;  // Llama 3 frequency factors (computed, not random)
};

// The tensors of a model of `shape` with `n_vocab` tokens, in file order.
std::vector<SynthTensor> PlanModel(const SynthShape& shape, const SynthType& type,
                                   uint32_t n_vocab);

struct SynthOptions {
  SynthShape shape;
  SynthType type;
  std::string vocab_path;  // a GGUF with tokenizer.* metadata
  uint64_t seed = 0;
  int threads = 0;  // 0: every hardware thread
  // Every weight zero, written as holes (GgufWriter's null fill): a file of the real size that
  // stores next to nothing; the model computes nothing useful, but compiles like the real one.
  bool zero_weights = false;
};

struct SynthReport {
  uint32_t n_vocab = 0;
  int n_tensors = 0;
  uint64_t n_params = 0;
  uint64_t file_bytes = 0;
  std::map<std::string, int> tensors_per_type;  // "q4_K" -> count
  std::string vocab_note;  // how the tokenizer was padded or truncated, if it was
};

// Writes the model to `path` (atomically: a failure leaves nothing behind).
absl::StatusOr<SynthReport> Synthesize(const SynthOptions& options, const std::string& path);

}  // namespace rf::gguf
