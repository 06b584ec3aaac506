// The op vocabulary: the model's operations, not a general tensor algebra. Each op has a row in
// the table of ops.cc with its text name, operand and result counts, and a rule that infers its
// result types from its operands and attributes — the verifier and the shape-inference pass both
// use that rule, so an op's typing is written once.
//
// Adding an op: an enumerator here, a row + inference rule in ops.cc, a CPU implementation in
// runtime/cpu/ops.cc, a kernel emitter in codegen/ (docs/ARCHITECTURE.md walks through it).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rf::ir {

class Op;
struct Type;

enum class OpKind : uint8_t {
  // Sources: carry a name and a declared type.
  kInput,   // input "tokens" : T x i32         (step parameter, written by the runtime)
  kWeight,  // weight "blk.0.attn_q.weight"     (bound to a GGUF tensor)
  kState,   // state "cache_k.0"                (persists across steps: the KV cache)
  // The model's vocabulary.
  kEmbedding,  // embedding(table [V, E], ids [T]) -> [T, E] f32
  kRmsNorm,    // rms_norm(x [.., E], w [E]) {eps}
  kMatmul,     // matmul(x [.., K], w [N, K]) -> [.., N]   (y = x W^T, W as ggml stores it)
  kAdd,        // add(a, b): b's shape equals a's or is a suffix of it (broadcast, e.g. a bias)
  kMul,        // mul(a, b): same broadcasting as add
  kSilu,       // silu(x) = x * sigmoid(x)
  kGelu,       // gelu(x) (tanh approximation, as ggml)
  kRope,       // rope(x [T, H, D], pos [T] [, freq_factors [n_rot/2]]) {style, n_rot, theta}
  kReshape,    // reshape(x) : new declared shape, same element count (a view)
  kKvStore,    // kv_store(cache [C, Hkv, D], x [T, Hkv, D], pos [T]) -> cache (same storage)
  kAttention,  // attention(q [T, H, D], k_cache, v_cache [C, Hkv, D], pos [T]) {scale}
  kSoftmax,    // softmax(x) over the last dim
  kLastToken,  // last_token(x [T, E]) -> [1, E]: only the last row goes on to the logits
  kArgmax,     // argmax(x [.., V]) -> [..] i32
  kOutput,     // output "logits"(x): marks a graph result
  // Fused ops, created by passes/fuse_*.cc. Each computes exactly what its unfused parts would.
  kAddRmsNorm,            // add_rms_norm(x, r, w) {eps} -> (s = x + r, rms_norm(s, w))
  kMatmulAdd,             // matmul_add(x, W, a) = x W^T + a   (a: a bias [N] or a residual [.., N])
  kRmsNormMatmul,         // rms_norm_matmul(x, nw, W [, a]) {eps} = rms_norm(x, nw) W^T (+ a)
  kMatmulSiluMul,         // matmul_silu_mul(x, Wg, Wu) = silu(x Wg^T) * (x Wu^T)
  kRmsNormMatmulSiluMul,  // rms_norm_matmul_silu_mul(x, nw, Wg, Wu) {eps}: the same on rms_norm(x)
  kRmsNormMatmulQkv,  // rms_norm_matmul_qkv(x, nw, Wq, Wk, Wv [, bq, bk, bv]) {eps} -> (q, k, v):
  //   three rms_norm_matmuls of one x, with weights of one type (and biases, all or none)
  kRopeAttention,  // rope_attention(q, k, v, k_cache, v_cache, pos [, freq_factors])
  //   {style, n_rot, theta, scale} -> (out, k_cache', v_cache'): ropes q and k,
  //   stores k and v at pos, attends; the caches are updated in place
  kCount,
};

struct OpDef {
  OpKind kind;
  const char* name;
  int num_operands;  // -1: checked by the inference rule (optional operands)
  int num_results;
  bool has_name_arg;   // input/weight/state/output: a quoted name after the op name
  bool declared_type;  // the result type is declared in the text, not inferred
  bool side_effects;   // never dead (output, kv_store)
  // Fills `results` (sized num_results) from the op's operands and attributes, or explains why
  // the op is ill-formed.
  absl::Status (*infer)(const Op& op, std::vector<Type>& results);
};

const OpDef& GetOpDef(OpKind kind);

// For results that are views of an operand's storage (reshape; the updated cache a KV store or
// rope_attention returns), the operand's index; -1 for results with storage of their own.
int AliasedOperand(OpKind kind, int result);
// Looks an op up by its text name.
const OpDef* FindOpDef(absl::string_view name);

}  // namespace rf::ir
