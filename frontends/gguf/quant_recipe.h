// The model file types `rfc synth --type` produces, and which tensor type each one gives every
// tensor: the choices of llama.cpp's quantizer (src/llama-quant.cpp) for llama and qwen2 models
// without experts, so that a synthesized file has the layout (and size) of one made by
// `llama-quantize` from a real model.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "quant/types.h"

namespace rf::gguf {

// llama.cpp's llama_ftype ids, written as general.file_type.
enum class FileType : uint32_t {
  kAllF32 = 0,
  kMostlyF16 = 1,
  kMostlyQ4_0 = 2,
  kMostlyQ8_0 = 7,
  kMostlyQ4_K_S = 14,
  kMostlyQ4_K_M = 15,
  kMostlyQ6_K = 18,
};

struct SynthType {
  const char* name;      // as --type spells it: f32 f16 q8_0 q4_0 q4_k q6_k q4_k_m
  FileType file_type;    // general.file_type
  quant::GgmlType base;  // the type of most matrices
  // No mixing: every matrix gets `base` (llama-quantize --pure). `q4_k` is this, and as llama.cpp
  // has no file type of its own for it, it is labelled Q4_K_S, as `llama-quantize --pure Q4_K_S`
  // labels it.
  bool pure;
};

// The --type values, in the order of the usage text.
const std::vector<SynthType>& SynthTypes();
absl::StatusOr<SynthType> FindSynthType(absl::string_view name);

// The type llama.cpp would give tensor `name` of `dims` (ggml order, dims[0] the row length),
// `layer` its block index (-1 outside the blocks), in a model of `n_layer` blocks whose output
// projection is the token embedding when `tied`:
//   - 1-d tensors, tensors not named *weight, and norms stay F32;
//   - with a mixed recipe, the output projection (the token embedding when tied) gets Q6_K (Q8_0
//     when its rows do not fit the base type's blocks), and Q4_K_M gives attn_v and ffn_down Q6_K
//     in the first and last eighth of the layers and in every third layer between;
//   - a k-quant whose rows are not a multiple of 256 falls back as llama.cpp's
//     tensor_type_fallback does: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, Q2_K/Q3_K -> Q4_0, and
//     to F16 if even that does not fit.
quant::GgmlType TensorTypeFor(const SynthType& type, absl::string_view name,
                              const std::vector<int64_t>& dims, int layer, int n_layer, bool tied);

}  // namespace rf::gguf
