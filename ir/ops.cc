// The op table and each op's type-inference rule (see ops.h).
#include "ir/ops.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "ir/graph.h"
#include "support/status.h"

namespace rf::ir {
namespace {

absl::Status Fail(absl::string_view why) { return absl::InvalidArgumentError(why); }

const Type& In(const Op& op, int i) { return op.operand(i)->type(); }

absl::Status ExpectRank(const Op& op, int i, int rank, absl::string_view what) {
  if (In(op, i).rank() != rank) {
    return Fail(absl::StrCat(what, " must have rank ", rank, ", has type ", In(op, i).ToString()));
  }
  return absl::OkStatus();
}

absl::Status ExpectElem(const Op& op, int i, ElemType elem, absl::string_view what) {
  if (In(op, i).elem != elem) {
    return Fail(absl::StrCat(what, " must be ", ElemTypeName(elem), ", has type ",
                             In(op, i).ToString()));
  }
  return absl::OkStatus();
}

absl::Status ExpectSameDim(const Dim& a, const Dim& b, absl::string_view what) {
  if (!(a == b)) return Fail(absl::StrCat(what, ": ", a.ToString(), " vs ", b.ToString()));
  return absl::OkStatus();
}

absl::Status ExpectOperands(const Op& op, int min, int max) {
  if (op.num_operands() < min || op.num_operands() > max) {
    return Fail(absl::StrCat("expects ", min == max ? absl::StrCat(min) : absl::StrCat(min, " to ", max),
                             " operands, has ", op.num_operands()));
  }
  return absl::OkStatus();
}

absl::Status ExpectNameAttr(const Op& op) {
  auto name = op.attrs().GetString("name");
  if (!name.ok() || name->empty()) return Fail("needs a non-empty name");
  return absl::OkStatus();
}

// Sources keep their declared type.
absl::Status InferDeclared(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectNameAttr(op));
  if (!op.result(0)->has_type()) return Fail("needs a declared result type");
  results[0] = op.result(0)->type();
  return absl::OkStatus();
}

absl::Status InferInput(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(InferDeclared(op, results));
  if (results[0].elem != ElemType::kI32 && results[0].elem != ElemType::kF32) {
    return Fail("an input must be i32 or f32");
  }
  return absl::OkStatus();
}

absl::Status InferState(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(InferDeclared(op, results));
  if (!IsFloat(results[0].elem)) return Fail("a state must be f32, f16 or bf16");
  for (const Dim& d : results[0].shape) {
    if (!d.is_const()) return Fail("a state's shape must be constant (it is allocated once)");
  }
  return absl::OkStatus();
}

absl::Status InferEmbedding(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectRank(op, 0, 2, "the table"));
  RF_RETURN_IF_ERROR(ExpectElem(op, 1, ElemType::kI32, "the ids"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 1, 1, "the ids"));
  if (In(op, 0).elem == ElemType::kI32) return Fail("the table must be float or quantized");
  Type t = In(op, 1);
  t.elem = ElemType::kF32;
  t.shape.push_back(In(op, 0).dim(1));
  results[0] = t;
  return absl::OkStatus();
}

absl::Status InferRmsNorm(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "x"));
  RF_RETURN_IF_ERROR(ExpectElem(op, 1, ElemType::kF32, "the weight"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 1, 1, "the weight"));
  if (In(op, 0).rank() < 1) return Fail("x must have rank >= 1");
  RF_RETURN_IF_ERROR(ExpectSameDim(In(op, 0).dim(-1), In(op, 1).dim(0), "x's last dim vs the weight"));
  RF_ASSIGN_OR_RETURN(float eps, op.attrs().GetFloat("eps"));
  if (!(eps > 0.0f && eps < 1.0f)) return Fail("eps must be in (0, 1)");
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferMatmul(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "x"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 1, 2, "the weight"));
  if (In(op, 0).rank() < 1) return Fail("x must have rank >= 1");
  if (In(op, 1).elem == ElemType::kI32) return Fail("the weight must be float or quantized");
  RF_RETURN_IF_ERROR(
      ExpectSameDim(In(op, 0).dim(-1), In(op, 1).dim(1), "x's last dim vs the weight's K"));
  Type t = In(op, 0);
  t.shape.back() = In(op, 1).dim(0);
  results[0] = t;
  return absl::OkStatus();
}

// b's shape equals a's or is a suffix of it.
absl::Status InferBroadcastBinary(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "a"));
  RF_RETURN_IF_ERROR(ExpectElem(op, 1, ElemType::kF32, "b"));
  const Type& a = In(op, 0);
  const Type& b = In(op, 1);
  if (b.rank() > a.rank() ||
      !std::equal(b.shape.begin(), b.shape.end(), a.shape.end() - b.rank())) {
    return Fail(absl::StrCat("b's shape must equal a's or be a suffix of it: ", a.ToString(),
                             " vs ", b.ToString()));
  }
  results[0] = a;
  return absl::OkStatus();
}

absl::Status InferUnaryF32(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "x"));
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferRope(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectOperands(op, 2, 3));
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "x"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 0, 3, "x"));
  RF_RETURN_IF_ERROR(ExpectElem(op, 1, ElemType::kI32, "the positions"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 1, 1, "the positions"));
  RF_RETURN_IF_ERROR(ExpectSameDim(In(op, 0).dim(0), In(op, 1).dim(0), "x's rows vs positions"));
  RF_ASSIGN_OR_RETURN(std::string style, op.attrs().GetString("style"));
  if (style != "norm" && style != "neox") return Fail("style must be \"norm\" or \"neox\"");
  RF_ASSIGN_OR_RETURN(int64_t n_rot, op.attrs().GetInt("n_rot"));
  const Dim& head_dim = In(op, 0).dim(2);
  if (!head_dim.is_const() || n_rot <= 0 || n_rot % 2 != 0 || n_rot > head_dim.value) {
    return Fail(absl::StrCat("n_rot ", n_rot, " must be even and at most the head dim ",
                             head_dim.ToString()));
  }
  RF_ASSIGN_OR_RETURN(float theta, op.attrs().GetFloat("theta"));
  if (!(theta > 0.0f)) return Fail("theta must be positive");
  if (op.num_operands() == 3) {
    RF_RETURN_IF_ERROR(ExpectElem(op, 2, ElemType::kF32, "the frequency factors"));
    RF_RETURN_IF_ERROR(ExpectRank(op, 2, 1, "the frequency factors"));
    if (!(In(op, 2).dim(0) == Dim::Const(n_rot / 2))) {
      return Fail(absl::StrCat("the frequency factors must have n_rot/2 = ", n_rot / 2, " items"));
    }
  }
  results[0] = In(op, 0);
  return absl::OkStatus();
}

// Two shapes hold the same number of elements: equal constant products and the same symbols.
bool SameElementCount(const Type& a, const Type& b) {
  auto count = [](const Type& t, std::map<std::string, int>& syms) {
    int64_t n = 1;
    for (const Dim& d : t.shape) {
      if (d.is_const()) {
        n *= d.value;
      } else {
        ++syms[d.symbol];
      }
    }
    return n;
  };
  std::map<std::string, int> sa, sb;
  return count(a, sa) == count(b, sb) && sa == sb;
}

absl::Status InferReshape(const Op& op, std::vector<Type>& results) {
  if (!op.result(0)->has_type()) return Fail("needs a declared result type");
  const Type& to = op.result(0)->type();
  if (to.elem != In(op, 0).elem) return Fail("a reshape cannot change the element type");
  if (!SameElementCount(In(op, 0), to)) {
    return Fail(absl::StrCat("cannot reshape ", In(op, 0).ToString(), " to ", to.ToString(),
                             ": element counts differ"));
  }
  results[0] = to;
  return absl::OkStatus();
}

absl::Status ExpectCache(const Op& op, int i, absl::string_view what) {
  RF_RETURN_IF_ERROR(ExpectRank(op, i, 3, what));
  if (!IsFloat(In(op, i).elem)) return Fail(absl::StrCat(what, " must be f32, f16 or bf16"));
  return absl::OkStatus();
}

absl::Status InferKvStore(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectCache(op, 0, "the cache"));
  RF_RETURN_IF_ERROR(ExpectElem(op, 1, ElemType::kF32, "x"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 1, 3, "x"));
  RF_RETURN_IF_ERROR(ExpectElem(op, 2, ElemType::kI32, "the positions"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 2, 1, "the positions"));
  RF_RETURN_IF_ERROR(ExpectSameDim(In(op, 0).dim(1), In(op, 1).dim(1), "cache heads vs x heads"));
  RF_RETURN_IF_ERROR(ExpectSameDim(In(op, 0).dim(2), In(op, 1).dim(2), "cache head dim vs x"));
  RF_RETURN_IF_ERROR(ExpectSameDim(In(op, 1).dim(0), In(op, 2).dim(0), "x's rows vs positions"));
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferAttention(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "q"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 0, 3, "q"));
  RF_RETURN_IF_ERROR(ExpectCache(op, 1, "the k cache"));
  RF_RETURN_IF_ERROR(ExpectCache(op, 2, "the v cache"));
  if (In(op, 1) != In(op, 2)) return Fail("the k and v caches must have the same type");
  RF_RETURN_IF_ERROR(ExpectElem(op, 3, ElemType::kI32, "the positions"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 3, 1, "the positions"));
  RF_RETURN_IF_ERROR(ExpectSameDim(In(op, 0).dim(0), In(op, 3).dim(0), "q's rows vs positions"));
  RF_RETURN_IF_ERROR(ExpectSameDim(In(op, 0).dim(2), In(op, 1).dim(2), "q's head dim vs the cache"));
  const Dim& h = In(op, 0).dim(1);
  const Dim& hkv = In(op, 1).dim(1);
  if (!h.is_const() || !hkv.is_const() || hkv.value <= 0 || h.value % hkv.value != 0) {
    return Fail(absl::StrCat("the query heads ", h.ToString(),
                             " must be a multiple of the cache heads ", hkv.ToString()));
  }
  RF_ASSIGN_OR_RETURN(float scale, op.attrs().GetFloat("scale"));
  if (!(scale > 0.0f)) return Fail("scale must be positive");
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferLastToken(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "x"));
  RF_RETURN_IF_ERROR(ExpectRank(op, 0, 2, "x"));
  Type t = In(op, 0);
  t.shape[0] = Dim::Const(1);
  results[0] = t;
  return absl::OkStatus();
}

absl::Status InferArgmax(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectElem(op, 0, ElemType::kF32, "x"));
  if (In(op, 0).rank() < 1) return Fail("x must have rank >= 1");
  Type t = In(op, 0);
  t.shape.pop_back();
  t.elem = ElemType::kI32;
  results[0] = t;
  return absl::OkStatus();
}

absl::Status InferOutput(const Op& op, std::vector<Type>& results) {
  return ExpectNameAttr(op);
}

// name, operands, results, name arg, declared type, side effects, rule
constexpr OpDef kOpDefs[] = {
    {OpKind::kInput, "input", 0, 1, true, true, false, InferInput},
    {OpKind::kWeight, "weight", 0, 1, true, true, false, InferDeclared},
    {OpKind::kState, "state", 0, 1, true, true, false, InferState},
    {OpKind::kEmbedding, "embedding", 2, 1, false, false, false, InferEmbedding},
    {OpKind::kRmsNorm, "rms_norm", 2, 1, false, false, false, InferRmsNorm},
    {OpKind::kMatmul, "matmul", 2, 1, false, false, false, InferMatmul},
    {OpKind::kAdd, "add", 2, 1, false, false, false, InferBroadcastBinary},
    {OpKind::kMul, "mul", 2, 1, false, false, false, InferBroadcastBinary},
    {OpKind::kSilu, "silu", 1, 1, false, false, false, InferUnaryF32},
    {OpKind::kGelu, "gelu", 1, 1, false, false, false, InferUnaryF32},
    {OpKind::kRope, "rope", -1, 1, false, false, false, InferRope},
    {OpKind::kReshape, "reshape", 1, 1, false, true, false, InferReshape},
    {OpKind::kKvStore, "kv_store", 3, 1, false, false, true, InferKvStore},
    {OpKind::kAttention, "attention", 4, 1, false, false, false, InferAttention},
    {OpKind::kSoftmax, "softmax", 1, 1, false, false, false, InferUnaryF32},
    {OpKind::kLastToken, "last_token", 1, 1, false, false, false, InferLastToken},
    {OpKind::kArgmax, "argmax", 1, 1, false, false, false, InferArgmax},
    {OpKind::kOutput, "output", 1, 0, true, false, true, InferOutput},
};
static_assert(sizeof(kOpDefs) / sizeof(kOpDefs[0]) == static_cast<size_t>(OpKind::kCount),
              "every OpKind needs a row in kOpDefs, in enum order");

}  // namespace

const OpDef& GetOpDef(OpKind kind) { return kOpDefs[static_cast<size_t>(kind)]; }

const OpDef* FindOpDef(absl::string_view name) {
  for (const OpDef& d : kOpDefs) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

}  // namespace rf::ir
