#include "frontends/gguf/quant_recipe.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rf::gguf {

using quant::GgmlType;

const std::vector<SynthType>& SynthTypes() {
  static const std::vector<SynthType> types = {
      {"f32", FileType::kAllF32, GgmlType::kF32, false},
      {"f16", FileType::kMostlyF16, GgmlType::kF16, false},
      {"q8_0", FileType::kMostlyQ8_0, GgmlType::kQ8_0, false},
      {"q4_0", FileType::kMostlyQ4_0, GgmlType::kQ4_0, false},
      {"q4_k", FileType::kMostlyQ4_K_S, GgmlType::kQ4_K, true},
      {"q6_k", FileType::kMostlyQ6_K, GgmlType::kQ6_K, false},
      {"q4_k_m", FileType::kMostlyQ4_K_M, GgmlType::kQ4_K, false},
  };
  return types;
}

absl::StatusOr<SynthType> FindSynthType(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  std::vector<std::string> names;
  for (const SynthType& t : SynthTypes()) {
    if (lower == t.name) return t;
    names.push_back(t.name);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown model type '", name, "' (expected one of ", absl::StrJoin(names, ", "), ")"));
}

namespace {

// llama.cpp's use_more_bits: the first and last eighth of the layers, and every third between.
bool UseMoreBits(int i_layer, int n_layers) {
  return i_layer < n_layers / 8 || i_layer >= 7 * n_layers / 8 || (i_layer - n_layers / 8) % 3 == 2;
}

// llama.cpp's tensor_type_fallback for rows that do not split into whole blocks.
GgmlType Fallback(GgmlType type, int64_t row) {
  if (row % quant::Info(type).block_size == 0) return type;
  switch (type) {
    case GgmlType::kQ2_K:
    case GgmlType::kQ3_K:
      type = GgmlType::kQ4_0;
      break;
    case GgmlType::kQ4_K:
      type = GgmlType::kQ5_0;
      break;
    case GgmlType::kQ5_K:
      type = GgmlType::kQ5_1;
      break;
    case GgmlType::kQ6_K:
      type = GgmlType::kQ8_0;
      break;
    default:
      break;
  }
  return row % quant::Info(type).block_size == 0 ? type : GgmlType::kF16;
}

}  // namespace

GgmlType TensorTypeFor(const SynthType& type, absl::string_view name,
                       const std::vector<int64_t>& dims, int layer, int n_layer, bool tied) {
  // llama.cpp's tensor_allows_quantization (the parts that concern llama and qwen2).
  const bool matrix = dims.size() >= 2 && absl::EndsWith(name, "weight") &&
                      !absl::StrContains(name, "_norm.weight");
  if (!matrix || type.base == GgmlType::kF32) return GgmlType::kF32;
  if (!quant::IsQuantized(type.base)) return type.base;  // F16: no recipe, no fallback

  GgmlType t = type.base;
  if (!type.pure) {
    const bool output = name == "output.weight" || (tied && name == "token_embd.weight");
    if (output) {
      if (dims[0] % quant::Info(type.base).block_size != 0) {
        t = GgmlType::kQ8_0;
      } else if (type.base != GgmlType::kQ8_0) {
        t = GgmlType::kQ6_K;
      }
    } else if (type.file_type == FileType::kMostlyQ4_K_M &&
               (absl::EndsWith(name, ".attn_v.weight") ||
                absl::EndsWith(name, ".ffn_down.weight")) &&
               UseMoreBits(layer, n_layer)) {
      t = GgmlType::kQ6_K;
    }
  }
  return Fallback(t, dims[0]);
}

}  // namespace rf::gguf
