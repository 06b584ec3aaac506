// The shapes of the models rfc synth imitates, from their HF config.json files:
//   Qwen/Qwen2.5-0.5B:         24 layers, hidden 896, 14 heads, 2 KV heads, intermediate 4864,
//                              vocab 151936, max_position_embeddings 32768, rope_theta 1e6,
//                              rms_norm_eps 1e-6, tie_word_embeddings true (q/k/v biases: qwen2)
//   meta-llama/Llama-3.2-1B:   16 layers, hidden 2048, 32 heads, 8 KV heads, head_dim 64,
//                              intermediate 8192, vocab 128256, max_position_embeddings 131072,
//                              rope_theta 500000, rms_norm_eps 1e-5, tie_word_embeddings true,
//                              rope_scaling llama3 (factor 32, low 1, high 4, original 8192)
//   meta-llama/Llama-2-7b-hf:  32 layers, hidden 4096, 32 heads, 32 KV heads, intermediate 11008,
//                              vocab 32000, max_position_embeddings 4096, rope_theta 10000,
//                              rms_norm_eps 1e-5, tie_word_embeddings false
#include "absl/strings/str_cat.h"
#include "frontends/gguf/synth.h"

namespace rf::gguf {
namespace {

SynthShape Tiny(absl::string_view arch) {
  SynthShape s;
  s.arch = std::string(arch);
  s.name = absl::StrCat("tiny ", arch, " (synthetic)");
  s.n_layer = 3;
  s.n_embd = 256;
  s.n_head = 4;
  s.n_head_kv = 2;
  s.n_ff = 768;
  s.n_ctx_train = 4096;
  if (arch == "qwen2") {
    s.rope_theta = 1e6f;
    s.rms_eps = 1e-6f;
    s.tied_embeddings = true;
    s.attn_bias = true;
  }
  return s;
}

SynthShape Qwen25_05B() {
  SynthShape s;
  s.arch = "qwen2";
  s.name = "Qwen2.5 0.5B (synthetic)";
  s.n_layer = 24;
  s.n_embd = 896;
  s.n_head = 14;
  s.n_head_kv = 2;
  s.n_ff = 4864;
  s.n_vocab = 151936;
  s.n_ctx_train = 32768;
  s.rope_theta = 1e6f;
  s.rms_eps = 1e-6f;
  s.tied_embeddings = true;
  s.attn_bias = true;
  return s;
}

SynthShape Llama32_1B() {
  SynthShape s;
  s.arch = "llama";
  s.name = "Llama 3.2 1B (synthetic)";
  s.n_layer = 16;
  s.n_embd = 2048;
  s.n_head = 32;
  s.n_head_kv = 8;
  s.n_ff = 8192;
  s.n_vocab = 128256;
  s.n_ctx_train = 131072;
  s.rope_theta = 500000.0f;
  s.rms_eps = 1e-5f;
  s.tied_embeddings = true;
  s.explicit_head_dim = true;
  s.llama3_rope = Llama3RopeScaling{32.0f, 1.0f, 4.0f, 8192};
  return s;
}

SynthShape Llama2_7B() {
  SynthShape s;
  s.arch = "llama";
  s.name = "Llama 2 7B (synthetic)";
  s.n_layer = 32;
  s.n_embd = 4096;
  s.n_head = 32;
  s.n_head_kv = 32;
  s.n_ff = 11008;
  s.n_vocab = 32000;
  s.n_ctx_train = 4096;
  s.rope_theta = 10000.0f;
  s.rms_eps = 1e-5f;
  return s;
}

}  // namespace

std::string PresetNames() {
  return "tiny, qwen2.5-0.5b, llama-3.2-1b, llama-2-7b";
}

absl::StatusOr<SynthShape> PresetShape(absl::string_view arch, absl::string_view preset) {
  if (!arch.empty() && arch != "llama" && arch != "qwen2") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown architecture '", arch, "' (expected llama or qwen2)"));
  }
  SynthShape shape;
  if (preset == "tiny") {
    if (arch.empty()) {
      return absl::InvalidArgumentError("preset tiny needs --arch (llama or qwen2)");
    }
    return Tiny(arch);
  } else if (preset == "qwen2.5-0.5b") {
    shape = Qwen25_05B();
  } else if (preset == "llama-3.2-1b") {
    shape = Llama32_1B();
  } else if (preset == "llama-2-7b") {
    shape = Llama2_7B();
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown preset '", preset, "' (expected one of ", PresetNames(), ")"));
  }
  if (!arch.empty() && arch != shape.arch) {
    return absl::InvalidArgumentError(
        absl::StrCat("preset ", preset, " is a ", shape.arch, " model, not ", arch));
  }
  return shape;
}

}  // namespace rf::gguf
