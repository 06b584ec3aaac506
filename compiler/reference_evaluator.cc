#include "compiler/reference_evaluator.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "runtime/cpu/ops.h"
#include "support/status.h"

namespace rf::compiler {
namespace {

using ir::OpKind;

// Element count of a value with T resolved.
int64_t Count(const ir::Value* v, int64_t T) {
  return v->type().NumElements([&](const std::string&) { return T; });
}

int64_t Dim(const ir::Value* v, int i, int64_t T) {
  const ir::Dim& d = v->type().dim(i);
  return d.is_const() ? d.value : T;
}

uint64_t ByteSize(const ir::Value* v, int64_t T) {
  quant::GgmlType g = ir::ToGgml(v->type().elem);
  const quant::TypeInfo& info = quant::Info(g);
  return static_cast<uint64_t>(Count(v, T) / info.block_size) * info.type_size;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ReferenceEvaluator>> ReferenceEvaluator::Create(
    const ir::Graph& graph, const gguf::GgufFile& weights, int threads) {
  std::unique_ptr<ReferenceEvaluator> ev(new ReferenceEvaluator(graph, threads));
  for (const auto& op : graph.ops()) {
    const ir::Value* v = op->num_results() ? op->result(0) : nullptr;
    if (op->kind() == OpKind::kWeight) {
      const std::string& name = op->attrs().String("name");
      const gguf::TensorInfo* t = weights.FindTensor(name);
      if (t == nullptr) {
        return absl::NotFoundError(absl::StrCat(weights.name(), ": no tensor '", name, "'"));
      }
      std::vector<int64_t> shape;
      for (const ir::Dim& d : v->type().shape) shape.push_back(d.value);
      std::vector<int64_t> ggml_dims(shape.rbegin(), shape.rend());
      if (t->type != ir::ToGgml(v->type().elem) || t->dims != ggml_dims) {
        return absl::InvalidArgumentError(
            absl::StrCat(weights.name(), ": tensor '", name, "' is ", quant::TypeName(t->type), " ",
                         t->ShapeString(), ", the graph expects ", v->type().ToString()));
      }
      ev->weights_[v] = t->data;
    } else if (op->kind() == OpKind::kState) {
      ev->states_[v].assign(ByteSize(v, 0), 0);
    }
  }
  return ev;
}

void ReferenceEvaluator::ResetState() {
  for (auto& [value, bytes] : states_) std::fill(bytes.begin(), bytes.end(), 0);
}

absl::StatusOr<std::map<std::string, std::vector<float>>> ReferenceEvaluator::Run(
    std::span<const int32_t> tokens, std::span<const int32_t> positions) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  if (T == 0 || positions.size() != tokens.size()) {
    return absl::InvalidArgumentError("a step needs as many positions as tokens, at least one");
  }
  if (const ir::Symbol* sym = graph_.FindSymbol("T"); sym != nullptr && T > sym->upper_bound) {
    return absl::InvalidArgumentError(
        absl::StrCat(T, " tokens exceed the graph's bound T <= ", sym->upper_bound));
  }
  // Each value's bytes for this step; sources and views point into other storage.
  std::map<const ir::Value*, std::vector<uint8_t>> owned;
  std::map<const ir::Value*, uint8_t*> data;
  std::map<std::string, std::vector<float>> outputs;
  auto f32 = [&](const ir::Value* v) { return reinterpret_cast<float*>(data.at(v)); };
  auto i32 = [&](const ir::Value* v) { return reinterpret_cast<int32_t*>(data.at(v)); };
  auto alloc = [&](const ir::Value* v) {
    std::vector<uint8_t>& bytes = owned[v];
    bytes.assign(ByteSize(v, T), 0);
    data[v] = bytes.data();
  };

  for (const auto& op_ptr : graph_.ops()) {
    const ir::Op& op = *op_ptr;
    const ir::Value* r = op.num_results() ? op.result(0) : nullptr;
    auto in = [&](int i) { return op.operand(i); };
    switch (op.kind()) {
      case OpKind::kInput: {
        const std::string& name = op.attrs().String("name");
        alloc(r);
        if (name == "tokens") {
          std::memcpy(data[r], tokens.data(), T * sizeof(int32_t));
        } else if (name == "positions") {
          std::memcpy(data[r], positions.data(), T * sizeof(int32_t));
        } else {
          return absl::InvalidArgumentError(absl::StrCat("no value for input \"", name, "\""));
        }
        break;
      }
      case OpKind::kWeight:
        data[r] = const_cast<uint8_t*>(weights_.at(r));
        break;
      case OpKind::kState:
        data[r] = states_.at(r).data();
        break;
      case OpKind::kEmbedding: {
        const int64_t V = Dim(in(0), 0, T), E = Dim(in(0), 1, T);
        for (int64_t t = 0; t < T; ++t) {
          if (i32(in(1))[t] < 0 || i32(in(1))[t] >= V) {
            return absl::InvalidArgumentError(absl::StrCat(
                "token id ", i32(in(1))[t], " is outside the vocabulary [0, ", V, ")"));
          }
        }
        alloc(r);
        cpu::Embedding(data.at(in(0)), ir::ToGgml(in(0)->type().elem), E, i32(in(1)),
                       Count(in(1), T), f32(r));
        break;
      }
      case OpKind::kRmsNorm: {
        const int64_t n = Dim(in(0), -1, T);
        alloc(r);
        cpu::RmsNorm(f32(in(0)), f32(in(1)), Count(in(0), T) / n, n, op.attrs().Float("eps"),
                     f32(r));
        break;
      }
      case OpKind::kMatmul: {
        const int64_t K = Dim(in(0), -1, T), N = Dim(in(1), 0, T);
        alloc(r);
        cpu::Matmul(f32(in(0)), Count(in(0), T) / K, K, data.at(in(1)),
                    ir::ToGgml(in(1)->type().elem), N, f32(r), &pool_);
        break;
      }
      case OpKind::kAdd:
      case OpKind::kMul: {
        alloc(r);
        auto fn = op.kind() == OpKind::kAdd ? cpu::Add : cpu::Mul;
        fn(f32(in(0)), Count(in(0), T), f32(in(1)), Count(in(1), T), f32(r));
        break;
      }
      case OpKind::kSilu:
      case OpKind::kGelu: {
        alloc(r);
        auto fn = op.kind() == OpKind::kSilu ? cpu::Silu : cpu::Gelu;
        fn(f32(in(0)), Count(in(0), T), f32(r));
        break;
      }
      case OpKind::kRope: {
        alloc(r);
        const std::string& style = op.attrs().String("style");
        cpu::Rope(f32(in(0)), Dim(in(0), 0, T), Dim(in(0), 1, T), Dim(in(0), 2, T), i32(in(1)),
                  op.num_operands() == 3 ? f32(in(2)) : nullptr,
                  style == "norm" ? cpu::RopeStyle::kNorm : cpu::RopeStyle::kNeox,
                  op.attrs().Int("n_rot"), op.attrs().Float("theta"), f32(r));
        break;
      }
      case OpKind::kReshape:
        data[r] = data.at(in(0));
        break;
      case OpKind::kKvStore: {
        const int64_t C = Dim(in(0), 0, T);
        for (int64_t t = 0; t < T; ++t) {
          if (i32(in(2))[t] < 0 || i32(in(2))[t] >= C) {
            return absl::OutOfRangeError(
                absl::StrCat("position ", i32(in(2))[t], " is outside the KV cache [0, ", C, ")"));
          }
        }
        cpu::KvStore(data.at(in(0)), ir::ToGgml(in(0)->type().elem), Dim(in(0), 1, T),
                     Dim(in(0), 2, T), f32(in(1)), Dim(in(1), 0, T), i32(in(2)));
        data[r] = data.at(in(0));
        break;
      }
      case OpKind::kAttention: {
        alloc(r);
        cpu::Attention(f32(in(0)), Dim(in(0), 0, T), Dim(in(0), 1, T), Dim(in(0), 2, T),
                       data.at(in(1)), data.at(in(2)), ir::ToGgml(in(1)->type().elem),
                       Dim(in(1), 1, T), i32(in(3)), op.attrs().Float("scale"), f32(r), &pool_);
        break;
      }
      case OpKind::kSoftmax: {
        const int64_t n = Dim(in(0), -1, T);
        alloc(r);
        cpu::Softmax(f32(in(0)), Count(in(0), T) / n, n, f32(r));
        break;
      }
      case OpKind::kLastToken: {
        const int64_t E = Dim(in(0), 1, T);
        alloc(r);
        std::memcpy(f32(r), f32(in(0)) + (Dim(in(0), 0, T) - 1) * E, E * sizeof(float));
        break;
      }
      case OpKind::kArgmax: {
        const int64_t n = Dim(in(0), -1, T);
        alloc(r);
        cpu::Argmax(f32(in(0)), Count(in(0), T) / n, n, i32(r));
        break;
      }
      case OpKind::kOutput: {
        const ir::Value* x = in(0);
        std::vector<float>& out = outputs[op.attrs().String("name")];
        out.resize(Count(x, T));
        if (x->type().elem == ir::ElemType::kI32) {
          for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(i32(x)[i]);
        } else {
          std::memcpy(out.data(), f32(x), out.size() * sizeof(float));
        }
        break;
      }
      case OpKind::kAddRmsNorm: {
        const int64_t n = Dim(in(0), -1, T);
        alloc(op.result(0));
        alloc(op.result(1));
        cpu::AddRmsNorm(f32(in(0)), f32(in(1)), f32(in(2)), Count(in(0), T) / n, n,
                        op.attrs().Float("eps"), f32(op.result(0)), f32(op.result(1)));
        break;
      }
      case OpKind::kMatmulAdd: {
        const int64_t K = Dim(in(0), -1, T), N = Dim(in(1), 0, T);
        alloc(r);
        cpu::MatmulAdd(f32(in(0)), Count(in(0), T) / K, K, data.at(in(1)),
                       ir::ToGgml(in(1)->type().elem), N, f32(in(2)), Count(in(2), T), f32(r),
                       &pool_);
        break;
      }
      case OpKind::kRmsNormMatmul: {
        const int64_t K = Dim(in(0), -1, T), N = Dim(in(2), 0, T);
        const bool has_addend = op.num_operands() == 4;
        alloc(r);
        cpu::RmsNormMatmul(f32(in(0)), f32(in(1)), op.attrs().Float("eps"), Count(in(0), T) / K, K,
                           data.at(in(2)), ir::ToGgml(in(2)->type().elem), N,
                           has_addend ? f32(in(3)) : nullptr, has_addend ? Count(in(3), T) : 0,
                           f32(r), &pool_);
        break;
      }
      case OpKind::kRmsNormMatmulQkv: {
        const int64_t K = Dim(in(0), -1, T);
        const bool bias = op.num_operands() == 8;
        for (int i = 0; i < 3; ++i) {
          alloc(op.result(i));
          cpu::RmsNormMatmul(f32(in(0)), f32(in(1)), op.attrs().Float("eps"), Count(in(0), T) / K,
                             K, data.at(in(2 + i)), ir::ToGgml(in(2 + i)->type().elem),
                             Dim(in(2 + i), 0, T), bias ? f32(in(5 + i)) : nullptr,
                             bias ? Count(in(5 + i), T) : 0, f32(op.result(i)), &pool_);
        }
        break;
      }
      case OpKind::kMatmulSiluMul:
      case OpKind::kRmsNormMatmulSiluMul: {
        const bool norm = op.kind() == OpKind::kRmsNormMatmulSiluMul;
        const int w = norm ? 2 : 1;
        const int64_t K = Dim(in(0), -1, T), N = Dim(in(w), 0, T);
        if (in(w)->type().elem != in(w + 1)->type().elem) {
          return absl::UnimplementedError("gate and up weights of different types");
        }
        alloc(r);
        cpu::MatmulSiluMul(f32(in(0)), norm ? f32(in(1)) : nullptr,
                           norm ? op.attrs().Float("eps") : 0.0f, Count(in(0), T) / K, K,
                           data.at(in(w)), data.at(in(w + 1)), ir::ToGgml(in(w)->type().elem), N,
                           f32(r), &pool_);
        break;
      }
      case OpKind::kRopeAttention: {
        const int64_t C = Dim(in(3), 0, T);
        for (int64_t t = 0; t < T; ++t) {
          if (i32(in(5))[t] < 0 || i32(in(5))[t] >= C) {
            return absl::OutOfRangeError(
                absl::StrCat("position ", i32(in(5))[t], " is outside the KV cache [0, ", C, ")"));
          }
        }
        alloc(op.result(0));
        const std::string& style = op.attrs().String("style");
        cpu::RopeParams rope{style == "norm" ? cpu::RopeStyle::kNorm : cpu::RopeStyle::kNeox,
                             op.attrs().Int("n_rot"), op.attrs().Float("theta"),
                             op.num_operands() == 7 ? f32(in(6)) : nullptr};
        cpu::RopeAttention(f32(in(0)), f32(in(1)), f32(in(2)), Dim(in(0), 0, T), Dim(in(0), 1, T),
                           Dim(in(1), 1, T), Dim(in(0), 2, T), data.at(in(3)), data.at(in(4)),
                           ir::ToGgml(in(3)->type().elem), i32(in(5)), rope,
                           op.attrs().Float("scale"), f32(op.result(0)), &pool_);
        data[op.result(1)] = data.at(in(3));
        data[op.result(2)] = data.at(in(4));
        break;
      }
      case OpKind::kCount:
        return absl::InternalError(absl::StrCat("cannot evaluate ", ir::PrintOp(op)));
    }
  }
  return outputs;
}

}  // namespace rf::compiler
