// Lowering of decoder-only transformers (llama, qwen2) to the IR.
//
// Both architectures are the same pre-norm transformer; they differ in data, not structure:
//   llama: rotary embedding in "norm" style (pairs (2i, 2i+1)), optional rope_freqs (Llama 3),
//          optional output.weight (tied to token_embd when absent)
//   qwen2: "neox" style rope (pairs (i, i + n_rot/2)), q/k/v biases, tied embeddings
// so one function builds the step, driven by ModelHParams, and each tensor is checked against the
// shape the hyperparameters imply before it is used.
//
// Per layer (shapes as [rows, cols]; E = n_embd, H/Hkv = heads, D = head_dim, F = n_ff):
//   h = rms_norm(x, attn_norm)                          [T, E]
//   q, k, v = h Wq^T (+bq), h Wk^T (+bk), h Wv^T (+bv)  [T, H*D], [T, Hkv*D], [T, Hkv*D]
//   q, k = rope(q), rope(k)                             [T, H, D], [T, Hkv, D]
//   kc, vc = kv_store(cache_k, k), kv_store(cache_v, v) [C, Hkv, D]
//   x = x + attention(q, kc, vc) Wo^T                   [T, E]
//   h = rms_norm(x, ffn_norm)
//   x = x + (silu(h Wg^T) * (h Wu^T)) Wd^T              [T, F] -> [T, E]
// then logits = rms_norm(x, output_norm) Wout^T for the last token (all tokens on request).
#include "frontends/gguf/lower.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "ir/builder.h"
#include "support/status.h"

namespace rf::gguf {
namespace {

using ir::ElemType;
using ir::MakeType;
using ir::Type;
using ir::Value;

class Lowering {
 public:
  Lowering(const GgufFile& file, const ModelHParams& hp, const LowerOptions& options,
           ir::Graph& graph)
      : file_(file), hp_(hp), options_(options), b_(graph) {}

  // A weight with the IR shape `shape` (outermost first; ggml's dims reversed).
  absl::StatusOr<Value*> Weight(const std::string& name, std::vector<int64_t> shape) {
    const TensorInfo* t = file_.FindTensor(name);
    std::string expected = "[";
    for (size_t i = shape.size(); i-- > 0;) absl::StrAppend(&expected, shape[i], i ? ", " : "");
    expected += "]";
    if (t == nullptr) {
      return absl::NotFoundError(absl::StrCat(file_.name(), ": tensor '", name,
                                              "' is missing (expected ggml shape ", expected, ")"));
    }
    std::vector<int64_t> ggml_dims(shape.rbegin(), shape.rend());
    if (t->dims != ggml_dims) {
      return absl::InvalidArgumentError(absl::StrCat(file_.name(), ": tensor '", name,
                                                     "' has shape ", t->ShapeString(),
                                                     ", expected ", expected));
    }
    std::optional<ElemType> elem = ir::FromGgml(t->type);
    if (!elem || *elem == ElemType::kI32) {
      return absl::UnimplementedError(absl::StrCat(file_.name(), ": tensor '", name, "' has type ",
                                                   quant::TypeName(t->type),
                                                   ", which rf does not support"));
    }
    if (shape.size() == 1 && *elem != ElemType::kF32) {
      return absl::UnimplementedError(absl::StrCat(file_.name(), ": tensor '", name, "' is ",
                                                   quant::TypeName(t->type),
                                                   "; norm weights and biases must be f32"));
    }
    Type type;
    type.elem = *elem;
    for (int64_t d : shape) type.shape.push_back(ir::Dim::Const(d));
    return b_.Weight(name, type);
  }

  absl::StatusOr<Value*> OptionalBias(const std::string& name, int64_t n) {
    if (file_.FindTensor(name) == nullptr) {
      if (hp_.arch == "qwen2") {
        return absl::NotFoundError(absl::StrCat(file_.name(), ": tensor '", name,
                                                "' is missing (qwen2 has q/k/v biases of [", n,
                                                "])"));
      }
      return nullptr;
    }
    return Weight(name, {n});
  }

  absl::Status Build() {
    const int64_t E = hp_.n_embd, H = hp_.n_head, Hkv = hp_.n_head_kv, D = hp_.head_dim;
    const int64_t F = hp_.n_ff, V = hp_.n_vocab;
    int64_t C = options_.max_context;
    if (C <= 0) C = std::min<int64_t>(hp_.n_ctx_train, 4096);
    const float eps = hp_.rms_eps;
    const std::string rope_style = hp_.rope_style == RopeStyle::kNorm ? "norm" : "neox";

    ir::Graph& g = b_.graph();
    g.set_name(hp_.name.empty() ? hp_.arch : hp_.name);
    g.SetSymbol("T", options_.max_batch);
    Value* tokens = b_.Named(b_.Input("tokens", MakeType(ElemType::kI32, {"T"})), "tokens");
    Value* pos = b_.Named(b_.Input("positions", MakeType(ElemType::kI32, {"T"})), "pos");

    RF_ASSIGN_OR_RETURN(Value * tok_embd, Weight("token_embd.weight", {V, E}));
    Value* freqs = nullptr;
    if (hp_.has_rope_freqs) {
      RF_ASSIGN_OR_RETURN(freqs, Weight("rope_freqs.weight", {hp_.n_rot / 2}));
    }
    Value* x = b_.Named(b_.Embedding(tok_embd, tokens), "x");
    const float scale = 1.0f / std::sqrt(static_cast<float>(D));

    for (uint32_t l = 0; l < hp_.n_layer; ++l) {
      const std::string p = absl::StrCat("blk.", l, ".");
      const std::string n = absl::StrCat("l", l, ".");
      RF_ASSIGN_OR_RETURN(Value * attn_norm, Weight(p + "attn_norm.weight", {E}));
      RF_ASSIGN_OR_RETURN(Value * wq, Weight(p + "attn_q.weight", {H * D, E}));
      RF_ASSIGN_OR_RETURN(Value * wk, Weight(p + "attn_k.weight", {Hkv * D, E}));
      RF_ASSIGN_OR_RETURN(Value * wv, Weight(p + "attn_v.weight", {Hkv * D, E}));
      RF_ASSIGN_OR_RETURN(Value * bq, OptionalBias(p + "attn_q.bias", H * D));
      RF_ASSIGN_OR_RETURN(Value * bk, OptionalBias(p + "attn_k.bias", Hkv * D));
      RF_ASSIGN_OR_RETURN(Value * bv, OptionalBias(p + "attn_v.bias", Hkv * D));
      RF_ASSIGN_OR_RETURN(Value * wo, Weight(p + "attn_output.weight", {E, H * D}));
      RF_ASSIGN_OR_RETURN(Value * ffn_norm, Weight(p + "ffn_norm.weight", {E}));
      RF_ASSIGN_OR_RETURN(Value * wg, Weight(p + "ffn_gate.weight", {F, E}));
      RF_ASSIGN_OR_RETURN(Value * wu, Weight(p + "ffn_up.weight", {F, E}));
      RF_ASSIGN_OR_RETURN(Value * wd, Weight(p + "ffn_down.weight", {E, F}));
      Value* k_cache = b_.State(
          absl::StrCat("cache_k.", l),
          Type{options_.kv_type, {ir::Dim::Const(C), ir::Dim::Const(Hkv), ir::Dim::Const(D)}});
      Value* v_cache = b_.State(
          absl::StrCat("cache_v.", l),
          Type{options_.kv_type, {ir::Dim::Const(C), ir::Dim::Const(Hkv), ir::Dim::Const(D)}});

      Value* h = b_.Named(b_.RmsNorm(x, attn_norm, eps), n + "attn_in");
      Value* q = b_.Matmul(h, wq);
      Value* k = b_.Matmul(h, wk);
      Value* v = b_.Matmul(h, wv);
      if (bq) q = b_.Add(q, bq);
      if (bk) k = b_.Add(k, bk);
      if (bv) v = b_.Add(v, bv);
      q = b_.Reshape(q, MakeType(ElemType::kF32, {"T", H, D}));
      k = b_.Reshape(k, MakeType(ElemType::kF32, {"T", Hkv, D}));
      v = b_.Reshape(v, MakeType(ElemType::kF32, {"T", Hkv, D}));
      q = b_.Named(b_.Rope(q, pos, freqs, rope_style, hp_.n_rot, hp_.rope_theta), n + "q");
      k = b_.Named(b_.Rope(k, pos, freqs, rope_style, hp_.n_rot, hp_.rope_theta), n + "k");
      Value* kc = b_.KvStore(k_cache, k, pos);
      Value* vc = b_.KvStore(v_cache, v, pos);
      Value* att = b_.Attention(q, kc, vc, pos, scale);
      att = b_.Reshape(att, MakeType(ElemType::kF32, {"T", H * D}));
      x = b_.Named(b_.Add(x, b_.Matmul(att, wo)), n + "attn_out");

      h = b_.Named(b_.RmsNorm(x, ffn_norm, eps), n + "ffn_in");
      Value* gate = b_.Silu(b_.Matmul(h, wg));
      Value* up = b_.Matmul(h, wu);
      x = b_.Named(b_.Add(x, b_.Matmul(b_.Mul(gate, up), wd)), n + "ffn_out");
    }
    RF_ASSIGN_OR_RETURN(Value * out_norm, Weight("output_norm.weight", {E}));
    Value* out_w = tok_embd;
    if (!hp_.tied_embeddings) {
      RF_ASSIGN_OR_RETURN(out_w, Weight("output.weight", {V, E}));
    }
    x = b_.RmsNorm(x, out_norm, eps);
    if (!options_.all_logits) x = b_.LastToken(x);
    b_.Output("logits", b_.Named(b_.Matmul(x, out_w), "logits"));
    return b_.status();
  }

 private:
  const GgufFile& file_;
  const ModelHParams& hp_;
  const LowerOptions& options_;
  ir::Builder b_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ir::Graph>> LowerModel(const GgufFile& file,
                                                      const LowerOptions& options) {
  RF_ASSIGN_OR_RETURN(ModelHParams hp, ReadHParams(file));
  if (hp.n_vocab == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.name(), ": cannot tell the vocabulary size"));
  }
  if (options.max_batch <= 0) return absl::InvalidArgumentError("max batch must be positive");
  auto graph = std::make_unique<ir::Graph>();
  Lowering lowering(file, hp, options, *graph);
  RF_RETURN_IF_ERROR(lowering.Build());
  return graph;
}

}  // namespace rf::gguf
