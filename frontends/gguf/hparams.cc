#include "frontends/gguf/hparams.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "support/status.h"

namespace rf::gguf {

const char* RopeStyleName(RopeStyle style) {
  return style == RopeStyle::kNorm ? "norm" : "neox";
}

absl::StatusOr<ModelHParams> ReadHParams(const GgufFile& file) {
  ModelHParams hp;
  RF_ASSIGN_OR_RETURN(absl::string_view arch, file.GetString("general.architecture"));
  hp.arch = std::string(arch);
  if (hp.arch == "llama") {
    hp.rope_style = RopeStyle::kNorm;
  } else if (hp.arch == "qwen2") {
    hp.rope_style = RopeStyle::kNeox;
  } else {
    return absl::UnimplementedError(absl::StrCat(file.name(), ": architecture '", hp.arch,
                                                 "' is not supported (supported: llama, qwen2)"));
  }
  if (file.Find("general.name") != nullptr) {
    RF_ASSIGN_OR_RETURN(absl::string_view name, file.GetString("general.name"));
    hp.name = std::string(name);
  }
  const std::string p = hp.arch + ".";
  RF_ASSIGN_OR_RETURN(hp.n_layer, file.GetU32(p + "block_count"));
  RF_ASSIGN_OR_RETURN(hp.n_embd, file.GetU32(p + "embedding_length"));
  RF_ASSIGN_OR_RETURN(hp.n_head, file.GetU32(p + "attention.head_count"));
  RF_ASSIGN_OR_RETURN(hp.n_head_kv, file.GetU32Or(p + "attention.head_count_kv", hp.n_head));
  RF_ASSIGN_OR_RETURN(hp.n_ff, file.GetU32(p + "feed_forward_length"));
  RF_ASSIGN_OR_RETURN(hp.n_ctx_train, file.GetU32Or(p + "context_length", 2048));
  RF_ASSIGN_OR_RETURN(hp.rope_theta, file.GetF32Or(p + "rope.freq_base", 10000.0f));
  RF_ASSIGN_OR_RETURN(hp.rms_eps, file.GetF32(p + "attention.layer_norm_rms_epsilon"));

  auto bad = [&](absl::string_view key, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(file.name(), ": key ", p, key, ": ", why));
  };
  if (hp.n_layer == 0) return bad("block_count", "must be at least 1");
  if (hp.n_embd == 0) return bad("embedding_length", "must be at least 1");
  if (hp.n_head == 0) return bad("attention.head_count", "must be at least 1");
  if (hp.n_head_kv == 0 || hp.n_head % hp.n_head_kv != 0) {
    return bad("attention.head_count_kv",
               absl::StrCat(hp.n_head_kv, " does not divide head_count ", hp.n_head));
  }
  if (hp.n_ff == 0) return bad("feed_forward_length", "must be at least 1");
  if (hp.n_embd % hp.n_head != 0 && file.Find(p + "attention.key_length") == nullptr) {
    return bad("embedding_length",
               absl::StrCat(hp.n_embd, " is not divisible by head_count ", hp.n_head));
  }
  RF_ASSIGN_OR_RETURN(hp.head_dim,
                      file.GetU32Or(p + "attention.key_length", hp.n_embd / hp.n_head));
  RF_ASSIGN_OR_RETURN(uint32_t value_length,
                      file.GetU32Or(p + "attention.value_length", hp.head_dim));
  if (value_length != hp.head_dim) {
    return bad("attention.value_length", absl::StrCat(value_length, " differs from key_length ",
                                                      hp.head_dim, " (not supported)"));
  }
  if (hp.head_dim == 0 || hp.head_dim % 2 != 0) {
    return bad("attention.key_length", absl::StrCat("head dim ", hp.head_dim, " must be even"));
  }
  RF_ASSIGN_OR_RETURN(hp.n_rot, file.GetU32Or(p + "rope.dimension_count", hp.head_dim));
  if (hp.n_rot == 0 || hp.n_rot > hp.head_dim || hp.n_rot % 2 != 0) {
    return bad("rope.dimension_count",
               absl::StrCat(hp.n_rot, " must be even and at most the head dim ", hp.head_dim));
  }
  if (!(hp.rms_eps > 0.0f && hp.rms_eps < 1.0f)) {
    return bad("attention.layer_norm_rms_epsilon", absl::StrCat(hp.rms_eps, " is out of range"));
  }
  if (!(hp.rope_theta > 0.0f)) return bad("rope.freq_base", "must be positive");

  // The vocabulary size: the model's own key, else the tokenizer's, else the embedding's rows.
  if (file.Find(p + "vocab_size") != nullptr) {
    RF_ASSIGN_OR_RETURN(hp.n_vocab, file.GetU32(p + "vocab_size"));
  } else if (const TensorInfo* emb = file.FindTensor("token_embd.weight");
             emb != nullptr && emb->dims.size() == 2) {
    hp.n_vocab = static_cast<uint32_t>(emb->dims[1]);
  } else if (const Value* tokens = file.Find("tokenizer.ggml.tokens");
             tokens != nullptr && tokens->type == ValueType::kArray) {
    hp.n_vocab = static_cast<uint32_t>(tokens->count);
  }
  hp.tied_embeddings = file.FindTensor("output.weight") == nullptr;
  hp.attn_bias = file.FindTensor("blk.0.attn_q.bias") != nullptr;
  hp.has_rope_freqs = file.FindTensor("rope_freqs.weight") != nullptr;
  return hp;
}

std::string FormatHParams(const ModelHParams& hp) {
  std::string s;
  absl::StrAppendFormat(&s, "  architecture      %s%s\n", hp.arch,
                        hp.name.empty() ? "" : absl::StrCat(" (", hp.name, ")"));
  absl::StrAppendFormat(&s, "  n_layer           %d\n", hp.n_layer);
  absl::StrAppendFormat(&s, "  n_embd            %d\n", hp.n_embd);
  absl::StrAppendFormat(&s, "  n_head / n_head_kv %d / %d (head_dim %d)\n", hp.n_head, hp.n_head_kv,
                        hp.head_dim);
  absl::StrAppendFormat(&s, "  n_ff              %d\n", hp.n_ff);
  absl::StrAppendFormat(&s, "  n_vocab           %d\n", hp.n_vocab);
  absl::StrAppendFormat(&s, "  context length    %d\n", hp.n_ctx_train);
  absl::StrAppendFormat(&s, "  rope              %s, %d dims, theta %g%s\n",
                        RopeStyleName(hp.rope_style), hp.n_rot, hp.rope_theta,
                        hp.has_rope_freqs ? ", frequency factors" : "");
  absl::StrAppendFormat(&s, "  rms eps           %g\n", hp.rms_eps);
  absl::StrAppendFormat(&s, "  tied embeddings   %s\n", hp.tied_embeddings ? "yes" : "no");
  absl::StrAppendFormat(&s, "  attention biases  %s\n", hp.attn_bias ? "yes" : "no");
  return s;
}

}  // namespace rf::gguf
