#include "ir/builder.h"

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace rf::ir {

Op* Builder::Create(OpKind kind, std::vector<Value*> operands, AttrMap attrs,
                    const Type* declared) {
  Op* op = graph_.Append(kind, std::move(operands), std::move(attrs));
  if (declared != nullptr && op->num_results() > 0) op->result(0)->set_type(*declared);
  absl::StatusOr<std::vector<Type>> types = InferResultTypes(*op);
  if (types.ok()) {
    for (int i = 0; i < op->num_results(); ++i) op->result(i)->set_type((*types)[i]);
  } else {
    if (status_.ok()) {
      status_ = absl::InvalidArgumentError(absl::StrCat(
          "invalid '", op->name(), "': ", types.status().message(), "\n  in: ", PrintOp(*op)));
    }
    // Keep going with a plausible type so that later calls do not trip over missing types.
    for (int i = 0; i < op->num_results(); ++i) {
      if (!op->result(i)->has_type()) {
        op->result(i)->set_type(op->num_operands() ? op->operand(0)->type() : Type{});
      }
    }
  }
  return op;
}

Value* Builder::Source(OpKind kind, const std::string& name, Type type) {
  AttrMap attrs;
  attrs.Set("name", name);
  return Create(kind, {}, std::move(attrs), &type)->result(0);
}

Value* Builder::Input(const std::string& name, Type type) {
  return Source(OpKind::kInput, name, std::move(type));
}
Value* Builder::Weight(const std::string& name, Type type) {
  return Source(OpKind::kWeight, name, std::move(type));
}
Value* Builder::State(const std::string& name, Type type) {
  return Source(OpKind::kState, name, std::move(type));
}

void Builder::Output(const std::string& name, Value* x) {
  AttrMap attrs;
  attrs.Set("name", name);
  Create(OpKind::kOutput, {x}, std::move(attrs));
}

Value* Builder::Embedding(Value* table, Value* ids) {
  return Create(OpKind::kEmbedding, {table, ids})->result(0);
}

Value* Builder::RmsNorm(Value* x, Value* w, float eps) {
  AttrMap attrs;
  attrs.Set("eps", eps);
  return Create(OpKind::kRmsNorm, {x, w}, std::move(attrs))->result(0);
}

Value* Builder::Matmul(Value* x, Value* w) {
  return Create(OpKind::kMatmul, {x, w})->result(0);
}
Value* Builder::Add(Value* a, Value* b) {
  return Create(OpKind::kAdd, {a, b})->result(0);
}
Value* Builder::Mul(Value* a, Value* b) {
  return Create(OpKind::kMul, {a, b})->result(0);
}
Value* Builder::Silu(Value* x) {
  return Create(OpKind::kSilu, {x})->result(0);
}
Value* Builder::Gelu(Value* x) {
  return Create(OpKind::kGelu, {x})->result(0);
}

Value* Builder::Rope(Value* x, Value* pos, Value* freq_factors, const std::string& style,
                     int64_t n_rot, float theta) {
  AttrMap attrs;
  attrs.Set("style", style);
  attrs.Set("n_rot", n_rot);
  attrs.Set("theta", theta);
  std::vector<Value*> operands = {x, pos};
  if (freq_factors != nullptr) operands.push_back(freq_factors);
  return Create(OpKind::kRope, operands, std::move(attrs))->result(0);
}

Value* Builder::Reshape(Value* x, Type to) {
  return Create(OpKind::kReshape, {x}, {}, &to)->result(0);
}

Value* Builder::KvStore(Value* cache, Value* x, Value* pos) {
  return Create(OpKind::kKvStore, {cache, x, pos})->result(0);
}

Value* Builder::Attention(Value* q, Value* k_cache, Value* v_cache, Value* pos, float scale) {
  AttrMap attrs;
  attrs.Set("scale", scale);
  return Create(OpKind::kAttention, {q, k_cache, v_cache, pos}, std::move(attrs))->result(0);
}

Value* Builder::Softmax(Value* x) {
  return Create(OpKind::kSoftmax, {x})->result(0);
}
Value* Builder::LastToken(Value* x) {
  return Create(OpKind::kLastToken, {x})->result(0);
}
Value* Builder::Argmax(Value* x) {
  return Create(OpKind::kArgmax, {x})->result(0);
}

}  // namespace rf::ir
