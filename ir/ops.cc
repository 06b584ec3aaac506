// The op table and each op's type-inference rule (see ops.h).
#include "ir/ops.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "ir/graph.h"
#include "support/status.h"

namespace rf::ir {
namespace {

absl::Status Fail(absl::string_view why) {
  return absl::InvalidArgumentError(why);
}

const Type& In(const Op& op, int i) {
  return op.operand(i)->type();
}

absl::Status ExpectRank(const Op& op, int i, int rank, absl::string_view what) {
  if (In(op, i).rank() != rank) {
    return Fail(absl::StrCat(what, " must have rank ", rank, ", has type ", In(op, i).ToString()));
  }
  return absl::OkStatus();
}

absl::Status ExpectElem(const Op& op, int i, ElemType elem, absl::string_view what) {
  if (In(op, i).elem != elem) {
    return Fail(
        absl::StrCat(what, " must be ", ElemTypeName(elem), ", has type ", In(op, i).ToString()));
  }
  return absl::OkStatus();
}

absl::Status ExpectSameDim(const Dim& a, const Dim& b, absl::string_view what) {
  if (!(a == b)) return Fail(absl::StrCat(what, ": ", a.ToString(), " vs ", b.ToString()));
  return absl::OkStatus();
}

absl::Status ExpectOperands(const Op& op, int min, int max) {
  if (op.num_operands() < min || op.num_operands() > max) {
    return Fail(absl::StrCat("expects ",
                             min == max ? absl::StrCat(min) : absl::StrCat(min, " to ", max),
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

// Type-level rules, shared by the unfused ops and the fused ops built from them.

absl::Status CheckF32(const Type& t, absl::string_view what) {
  if (t.elem != ElemType::kF32) {
    return Fail(absl::StrCat(what, " must be f32, has type ", t.ToString()));
  }
  return absl::OkStatus();
}

absl::Status CheckRank(const Type& t, int rank, absl::string_view what) {
  if (t.rank() != rank) {
    return Fail(absl::StrCat(what, " must have rank ", rank, ", has type ", t.ToString()));
  }
  return absl::OkStatus();
}

// rms_norm(x [.., E], w [E]) {eps}
absl::Status CheckRmsNorm(const Type& x, const Type& w, const Op& op) {
  RF_RETURN_IF_ERROR(CheckF32(x, "x"));
  RF_RETURN_IF_ERROR(CheckF32(w, "the norm weight"));
  RF_RETURN_IF_ERROR(CheckRank(w, 1, "the norm weight"));
  if (x.rank() < 1) return Fail("x must have rank >= 1");
  RF_RETURN_IF_ERROR(ExpectSameDim(x.dim(-1), w.dim(0), "x's last dim vs the norm weight"));
  RF_ASSIGN_OR_RETURN(float eps, op.attrs().GetFloat("eps"));
  if (!(eps > 0.0f && eps < 1.0f)) return Fail("eps must be in (0, 1)");
  return absl::OkStatus();
}

// matmul(x [.., K], W [N, K]) -> [.., N]
absl::StatusOr<Type> MatmulType(const Type& x, const Type& w,
                                absl::string_view what = "the weight") {
  RF_RETURN_IF_ERROR(CheckF32(x, "x"));
  RF_RETURN_IF_ERROR(CheckRank(w, 2, what));
  if (x.rank() < 1) return Fail("x must have rank >= 1");
  if (w.elem == ElemType::kI32) return Fail(absl::StrCat(what, " must be float or quantized"));
  RF_RETURN_IF_ERROR(
      ExpectSameDim(x.dim(-1), w.dim(1), absl::StrCat("x's last dim vs ", what, "'s K")));
  Type t = x;
  t.shape.back() = w.dim(0);
  return t;
}

// b's shape equals a's or is a suffix of it (a bias, a residual).
absl::Status CheckBroadcast(const Type& a, const Type& b, absl::string_view what) {
  RF_RETURN_IF_ERROR(CheckF32(b, what));
  if (b.rank() > a.rank() ||
      !std::equal(b.shape.begin(), b.shape.end(), a.shape.end() - b.rank())) {
    return Fail(absl::StrCat(what, "'s shape must equal ", a.ToString(),
                             " or be a suffix of it, has ", b.ToString()));
  }
  return absl::OkStatus();
}

absl::Status CheckPositions(const Type& pos, const Dim& rows, absl::string_view what) {
  if (pos.elem != ElemType::kI32 || pos.rank() != 1) {
    return Fail(absl::StrCat("the positions must be a [T] i32 vector, have type ", pos.ToString()));
  }
  return ExpectSameDim(rows, pos.dim(0), absl::StrCat(what, "'s rows vs positions"));
}

// rope(x [T, H, D], pos [T] [, freq_factors [n_rot/2]]) {style, n_rot, theta}
absl::Status CheckRope(const Type& x, const Type& pos, const Type* freqs, const Op& op) {
  RF_RETURN_IF_ERROR(CheckF32(x, "x"));
  RF_RETURN_IF_ERROR(CheckRank(x, 3, "x"));
  RF_RETURN_IF_ERROR(CheckPositions(pos, x.dim(0), "x"));
  RF_ASSIGN_OR_RETURN(std::string style, op.attrs().GetString("style"));
  if (style != "norm" && style != "neox") return Fail("style must be \"norm\" or \"neox\"");
  RF_ASSIGN_OR_RETURN(int64_t n_rot, op.attrs().GetInt("n_rot"));
  const Dim& head_dim = x.dim(2);
  if (!head_dim.is_const() || n_rot <= 0 || n_rot % 2 != 0 || n_rot > head_dim.value) {
    return Fail(absl::StrCat("n_rot ", n_rot, " must be even and at most the head dim ",
                             head_dim.ToString()));
  }
  RF_ASSIGN_OR_RETURN(float theta, op.attrs().GetFloat("theta"));
  if (!(theta > 0.0f)) return Fail("theta must be positive");
  if (freqs != nullptr) {
    RF_RETURN_IF_ERROR(CheckF32(*freqs, "the frequency factors"));
    if (freqs->rank() != 1 || !(freqs->dim(0) == Dim::Const(n_rot / 2))) {
      return Fail(absl::StrCat("the frequency factors must be [n_rot/2 = ", n_rot / 2, "], have ",
                               freqs->ToString()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCache(const Type& c, absl::string_view what) {
  RF_RETURN_IF_ERROR(CheckRank(c, 3, what));
  if (!IsFloat(c.elem)) return Fail(absl::StrCat(what, " must be f32, f16 or bf16"));
  return absl::OkStatus();
}

// kv_store(cache [C, Hkv, D], x [T, Hkv, D], pos [T])
absl::Status CheckKvStore(const Type& cache, const Type& x, const Type& pos) {
  RF_RETURN_IF_ERROR(CheckCache(cache, "the cache"));
  RF_RETURN_IF_ERROR(CheckF32(x, "x"));
  RF_RETURN_IF_ERROR(CheckRank(x, 3, "x"));
  RF_RETURN_IF_ERROR(ExpectSameDim(cache.dim(1), x.dim(1), "cache heads vs x heads"));
  RF_RETURN_IF_ERROR(ExpectSameDim(cache.dim(2), x.dim(2), "cache head dim vs x"));
  return CheckPositions(pos, x.dim(0), "x");
}

// attention(q [T, H, D], k_cache, v_cache [C, Hkv, D], pos [T]) {scale}
absl::Status CheckAttention(const Type& q, const Type& kc, const Type& vc, const Type& pos,
                            const Op& op) {
  RF_RETURN_IF_ERROR(CheckF32(q, "q"));
  RF_RETURN_IF_ERROR(CheckRank(q, 3, "q"));
  RF_RETURN_IF_ERROR(CheckCache(kc, "the k cache"));
  RF_RETURN_IF_ERROR(CheckCache(vc, "the v cache"));
  if (kc != vc) return Fail("the k and v caches must have the same type");
  RF_RETURN_IF_ERROR(CheckPositions(pos, q.dim(0), "q"));
  RF_RETURN_IF_ERROR(ExpectSameDim(q.dim(2), kc.dim(2), "q's head dim vs the cache"));
  const Dim& h = q.dim(1);
  const Dim& hkv = kc.dim(1);
  if (!h.is_const() || !hkv.is_const() || hkv.value <= 0 || h.value % hkv.value != 0) {
    return Fail(absl::StrCat("the query heads ", h.ToString(),
                             " must be a multiple of the cache heads ", hkv.ToString()));
  }
  RF_ASSIGN_OR_RETURN(float scale, op.attrs().GetFloat("scale"));
  if (!(scale > 0.0f)) return Fail("scale must be positive");
  return absl::OkStatus();
}

absl::Status InferRmsNorm(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(CheckRmsNorm(In(op, 0), In(op, 1), op));
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferMatmul(const Op& op, std::vector<Type>& results) {
  RF_ASSIGN_OR_RETURN(results[0], MatmulType(In(op, 0), In(op, 1)));
  return absl::OkStatus();
}

absl::Status InferBroadcastBinary(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(CheckF32(In(op, 0), "a"));
  RF_RETURN_IF_ERROR(CheckBroadcast(In(op, 0), In(op, 1), "b"));
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferUnaryF32(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(CheckF32(In(op, 0), "x"));
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferRope(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectOperands(op, 2, 3));
  RF_RETURN_IF_ERROR(
      CheckRope(In(op, 0), In(op, 1), op.num_operands() == 3 ? &In(op, 2) : nullptr, op));
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

absl::Status InferKvStore(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(CheckKvStore(In(op, 0), In(op, 1), In(op, 2)));
  results[0] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferAttention(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(CheckAttention(In(op, 0), In(op, 1), In(op, 2), In(op, 3), op));
  results[0] = In(op, 0);
  return absl::OkStatus();
}

// Fused ops.

absl::Status InferAddRmsNorm(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(CheckF32(In(op, 0), "x"));
  if (In(op, 1) != In(op, 0)) {
    return Fail(absl::StrCat("the residual must have x's type ", In(op, 0).ToString(), ", has ",
                             In(op, 1).ToString()));
  }
  RF_RETURN_IF_ERROR(CheckRmsNorm(In(op, 0), In(op, 2), op));
  results[0] = results[1] = In(op, 0);
  return absl::OkStatus();
}

absl::Status InferMatmulAdd(const Op& op, std::vector<Type>& results) {
  RF_ASSIGN_OR_RETURN(results[0], MatmulType(In(op, 0), In(op, 1)));
  return CheckBroadcast(results[0], In(op, 2), "the addend");
}

absl::Status InferRmsNormMatmul(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectOperands(op, 3, 4));
  RF_RETURN_IF_ERROR(CheckRmsNorm(In(op, 0), In(op, 1), op));
  RF_ASSIGN_OR_RETURN(results[0], MatmulType(In(op, 0), In(op, 2)));
  if (op.num_operands() == 4)
    RF_RETURN_IF_ERROR(CheckBroadcast(results[0], In(op, 3), "the addend"));
  return absl::OkStatus();
}

absl::Status InferRmsNormMatmulQkv(const Op& op, std::vector<Type>& results) {
  if (op.num_operands() != 5 && op.num_operands() != 8) {
    return Fail(absl::StrCat("expects 5 operands (x, nw, Wq, Wk, Wv) or 8 (and three biases), has ",
                             op.num_operands()));
  }
  RF_RETURN_IF_ERROR(CheckRmsNorm(In(op, 0), In(op, 1), op));
  const char* names[3] = {"the q weight", "the k weight", "the v weight"};
  for (int i = 0; i < 3; ++i) {
    RF_ASSIGN_OR_RETURN(results[i], MatmulType(In(op, 0), In(op, 2 + i), names[i]));
    if (In(op, 2 + i).elem != In(op, 2).elem) {
      return Fail("the q, k and v weights must have one element type");
    }
    if (op.num_operands() == 8) {
      RF_RETURN_IF_ERROR(CheckBroadcast(results[i], In(op, 5 + i), "the bias"));
      if (In(op, 5 + i).rank() != 1) return Fail("the addends must be biases ([N])");
    }
  }
  return absl::OkStatus();
}

absl::Status GateUpType(const Type& x, const Type& wg, const Type& wu, Type& out) {
  RF_ASSIGN_OR_RETURN(out, MatmulType(x, wg, "the gate weight"));
  RF_ASSIGN_OR_RETURN(Type up, MatmulType(x, wu, "the up weight"));
  if (up != out) return Fail("the gate and up weights must have the same shape");
  return absl::OkStatus();
}

absl::Status InferMatmulSiluMul(const Op& op, std::vector<Type>& results) {
  return GateUpType(In(op, 0), In(op, 1), In(op, 2), results[0]);
}

absl::Status InferRmsNormMatmulSiluMul(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(CheckRmsNorm(In(op, 0), In(op, 1), op));
  return GateUpType(In(op, 0), In(op, 2), In(op, 3), results[0]);
}

absl::Status InferRopeAttention(const Op& op, std::vector<Type>& results) {
  RF_RETURN_IF_ERROR(ExpectOperands(op, 6, 7));
  const Type& q = In(op, 0);
  const Type& k = In(op, 1);
  const Type& v = In(op, 2);
  const Type& pos = In(op, 5);
  const Type* freqs = op.num_operands() == 7 ? &In(op, 6) : nullptr;
  RF_RETURN_IF_ERROR(WithContext(CheckRope(q, pos, freqs, op), "q"));
  RF_RETURN_IF_ERROR(WithContext(CheckRope(k, pos, freqs, op), "k"));
  RF_RETURN_IF_ERROR(WithContext(CheckKvStore(In(op, 3), k, pos), "k"));
  RF_RETURN_IF_ERROR(WithContext(CheckKvStore(In(op, 4), v, pos), "v"));
  RF_RETURN_IF_ERROR(CheckAttention(q, In(op, 3), In(op, 4), pos, op));
  results[0] = q;
  results[1] = In(op, 3);
  results[2] = In(op, 4);
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
    {OpKind::kAddRmsNorm, "add_rms_norm", 3, 2, false, false, false, InferAddRmsNorm},
    {OpKind::kMatmulAdd, "matmul_add", 3, 1, false, false, false, InferMatmulAdd},
    {OpKind::kRmsNormMatmul, "rms_norm_matmul", -1, 1, false, false, false, InferRmsNormMatmul},
    {OpKind::kMatmulSiluMul, "matmul_silu_mul", 3, 1, false, false, false, InferMatmulSiluMul},
    {OpKind::kRmsNormMatmulSiluMul, "rms_norm_matmul_silu_mul", 4, 1, false, false, false,
     InferRmsNormMatmulSiluMul},
    {OpKind::kRmsNormMatmulQkv, "rms_norm_matmul_qkv", -1, 3, false, false, false,
     InferRmsNormMatmulQkv},
    {OpKind::kRopeAttention, "rope_attention", -1, 3, false, false, true, InferRopeAttention},
};
static_assert(sizeof(kOpDefs) / sizeof(kOpDefs[0]) == static_cast<size_t>(OpKind::kCount),
              "every OpKind needs a row in kOpDefs, in enum order");

}  // namespace

const OpDef& GetOpDef(OpKind kind) {
  return kOpDefs[static_cast<size_t>(kind)];
}

int AliasedOperand(OpKind kind, int result) {
  switch (kind) {
    case OpKind::kReshape:
      return 0;
    case OpKind::kKvStore:
      return 0;
    case OpKind::kRopeAttention:
      return result == 1 ? 3 : result == 2 ? 4 : -1;
    default:
      return -1;
  }
}

const OpDef* FindOpDef(absl::string_view name) {
  for (const OpDef& d : kOpDefs) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

}  // namespace rf::ir
