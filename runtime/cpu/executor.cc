#include "runtime/cpu/executor.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "quant/dequantize.h"
#include "runtime/cpu/ops.h"
#include "support/status.h"

namespace rf::cpu {
namespace {

using plan::Instruction;
using plan::Opcode;
using plan::TensorRef;
using quant::GgmlType;

constexpr uint32_t kF32 = static_cast<uint32_t>(GgmlType::kF32);
constexpr uint32_t kF16 = static_cast<uint32_t>(GgmlType::kF16);
constexpr uint32_t kI32 = static_cast<uint32_t>(GgmlType::kI32);

int64_t Resolve(int64_t d, int64_t T) {
  return d == plan::kDimT ? T : d;
}
int64_t Dim(const TensorRef& r, int i, int64_t T) {
  return Resolve(r.shape[i < 0 ? r.shape.size() + i : i], T);
}
int64_t Count(const TensorRef& r, int64_t T) {
  int64_t n = 1;
  for (int64_t d : r.shape) n *= Resolve(d, T);
  return n;
}
GgmlType TypeOf(const TensorRef& r) {
  return static_cast<GgmlType>(r.type);
}

// Checks one instruction; `fail` builds the error.
class InstructionCheck {
 public:
  explicit InstructionCheck(const Instruction& inst) : inst_(inst) {}

  absl::Status Counts(size_t operands_min, size_t operands_max, size_t results, size_t ints,
                      size_t floats) const {
    if (inst_.operands.size() < operands_min || inst_.operands.size() > operands_max ||
        inst_.results.size() != results || inst_.ints.size() != ints ||
        inst_.floats.size() != floats) {
      return Fail(absl::StrCat("expects ", operands_min, "..", operands_max, " operands, ", results,
                               " results, ", ints, " ints, ", floats, " floats"));
    }
    return absl::OkStatus();
  }
  absl::Status Rank(const TensorRef& r, size_t rank, absl::string_view what) const {
    if (r.shape.size() != rank) return Fail(absl::StrCat(what, " must have rank ", rank));
    return absl::OkStatus();
  }
  absl::Status Type(const TensorRef& r, uint32_t type, absl::string_view what) const {
    if (r.type != type) return Fail(absl::StrCat(what, " has the wrong element type"));
    return absl::OkStatus();
  }
  absl::Status Same(int64_t a, int64_t b, absl::string_view what) const {
    if (a != b) return Fail(absl::StrCat(what, " disagree (", a, " vs ", b, ")"));
    return absl::OkStatus();
  }
  absl::Status SameShape(const TensorRef& a, const TensorRef& b, absl::string_view what) const {
    if (a.shape != b.shape) return Fail(absl::StrCat(what, ": shapes disagree"));
    return absl::OkStatus();
  }
  absl::Status Fail(absl::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat("instruction ", plan::OpcodeName(inst_.op), ": ", why));
  }
  // x [.., K] f32 times W [N, K] -> out [.., N] f32, W of a type the CPU can decode.
  absl::Status Matmul(const TensorRef& x, const TensorRef& w, const TensorRef& out) const {
    RF_RETURN_IF_ERROR(Type(x, kF32, "x"));
    RF_RETURN_IF_ERROR(Type(out, kF32, "the result"));
    RF_RETURN_IF_ERROR(Rank(w, 2, "the weight"));
    const quant::TypeInfo* info = quant::FindType(w.type);
    if (info == nullptr || !info->dequantizable) return Fail("the weight's type cannot be decoded");
    if (x.shape.empty() || x.shape.size() != out.shape.size()) return Fail("x/result ranks");
    RF_RETURN_IF_ERROR(Same(x.shape.back(), w.shape[1], "x's K and the weight's K"));
    RF_RETURN_IF_ERROR(Same(out.shape.back(), w.shape[0], "the result's N and the weight's N"));
    if (w.shape[1] <= 0 || w.shape[1] % info->block_size != 0) return Fail("K is not whole blocks");
    for (size_t i = 0; i + 1 < x.shape.size(); ++i)
      RF_RETURN_IF_ERROR(Same(x.shape[i], out.shape[i], "rows"));
    return absl::OkStatus();
  }
  absl::Status Norm(const TensorRef& x, const TensorRef& w) const {
    RF_RETURN_IF_ERROR(Type(x, kF32, "x"));
    RF_RETURN_IF_ERROR(Type(w, kF32, "the norm weight"));
    RF_RETURN_IF_ERROR(Rank(w, 1, "the norm weight"));
    if (x.shape.empty()) return Fail("x has no dims");
    return Same(x.shape.back(), w.shape[0], "x's last dim and the norm weight");
  }
  absl::Status Broadcast(const TensorRef& a, const TensorRef& b) const {
    RF_RETURN_IF_ERROR(Type(b, kF32, "the addend"));
    if (b.shape.size() > a.shape.size() ||
        !std::equal(b.shape.begin(), b.shape.end(), a.shape.end() - b.shape.size())) {
      return Fail("the addend's shape is not a suffix of the result's");
    }
    return absl::OkStatus();
  }
  absl::Status Positions(const TensorRef& pos, int64_t rows) const {
    RF_RETURN_IF_ERROR(Type(pos, kI32, "the positions"));
    RF_RETURN_IF_ERROR(Rank(pos, 1, "the positions"));
    return Same(pos.shape[0], rows, "positions and rows");
  }
  absl::Status Rope(const TensorRef& x, const TensorRef& pos, const TensorRef* ff) const {
    RF_RETURN_IF_ERROR(Type(x, kF32, "x"));
    RF_RETURN_IF_ERROR(Rank(x, 3, "x"));
    RF_RETURN_IF_ERROR(Positions(pos, x.shape[0]));
    const int64_t style = inst_.ints[0], n_rot = inst_.ints[1];
    if (style != 0 && style != 1) return Fail("rope style must be 0 or 1");
    if (n_rot <= 0 || n_rot % 2 != 0 || n_rot > x.shape[2]) return Fail("bad n_rot");
    if (ff != nullptr) {
      RF_RETURN_IF_ERROR(Type(*ff, kF32, "the frequency factors"));
      RF_RETURN_IF_ERROR(Rank(*ff, 1, "the frequency factors"));
      RF_RETURN_IF_ERROR(Same(ff->shape[0], n_rot / 2, "frequency factors and n_rot/2"));
    }
    return absl::OkStatus();
  }
  absl::Status Cache(const TensorRef& c) const {
    RF_RETURN_IF_ERROR(Rank(c, 3, "the cache"));
    if (c.type != kF32 && c.type != kF16) return Fail("the cache must be f32 or f16");
    for (int64_t d : c.shape) {
      if (d == plan::kDimT) return Fail("the cache's shape must be constant");
    }
    return absl::OkStatus();
  }
  absl::Status Store(const TensorRef& cache, const TensorRef& x, const TensorRef& pos) const {
    RF_RETURN_IF_ERROR(Cache(cache));
    RF_RETURN_IF_ERROR(Type(x, kF32, "x"));
    RF_RETURN_IF_ERROR(Rank(x, 3, "x"));
    RF_RETURN_IF_ERROR(Same(cache.shape[1], x.shape[1], "cache and x heads"));
    RF_RETURN_IF_ERROR(Same(cache.shape[2], x.shape[2], "cache and x head dims"));
    return Positions(pos, x.shape[0]);
  }
  absl::Status Attention(const TensorRef& q, const TensorRef& kc, const TensorRef& vc,
                         const TensorRef& pos, const TensorRef& out) const {
    RF_RETURN_IF_ERROR(Type(q, kF32, "q"));
    RF_RETURN_IF_ERROR(Rank(q, 3, "q"));
    RF_RETURN_IF_ERROR(Cache(kc));
    if (!(kc.shape == vc.shape) || kc.type != vc.type) return Fail("k and v caches differ");
    RF_RETURN_IF_ERROR(Positions(pos, q.shape[0]));
    RF_RETURN_IF_ERROR(Same(q.shape[2], kc.shape[2], "q and cache head dims"));
    if (kc.shape[1] <= 0 || q.shape[1] <= 0 || q.shape[1] % kc.shape[1] != 0) {
      return Fail("query heads are not a multiple of the cache heads");
    }
    return SameShape(q, out, "q and the result");
  }

 private:
  const Instruction& inst_;
};

absl::Status ValidateInstruction(const Instruction& in) {
  InstructionCheck c(in);
  const auto& o = in.operands;
  const auto& r = in.results;
  switch (in.op) {
    case Opcode::kEmbedding: {
      RF_RETURN_IF_ERROR(c.Counts(2, 2, 1, 0, 0));
      RF_RETURN_IF_ERROR(c.Rank(o[0], 2, "the table"));
      const quant::TypeInfo* info = quant::FindType(o[0].type);
      if (info == nullptr || !info->dequantizable || o[0].shape[1] % info->block_size != 0) {
        return c.Fail("the table's type cannot be decoded");
      }
      RF_RETURN_IF_ERROR(c.Type(o[1], kI32, "the ids"));
      RF_RETURN_IF_ERROR(c.Rank(o[1], 1, "the ids"));
      RF_RETURN_IF_ERROR(c.Type(r[0], kF32, "the result"));
      RF_RETURN_IF_ERROR(c.Rank(r[0], 2, "the result"));
      RF_RETURN_IF_ERROR(c.Same(r[0].shape[0], o[1].shape[0], "rows"));
      return c.Same(r[0].shape[1], o[0].shape[1], "embedding widths");
    }
    case Opcode::kRmsNorm:
      RF_RETURN_IF_ERROR(c.Counts(2, 2, 1, 0, 1));
      RF_RETURN_IF_ERROR(c.Norm(o[0], o[1]));
      return c.SameShape(o[0], r[0], "x and the result");
    case Opcode::kMatmul:
      RF_RETURN_IF_ERROR(c.Counts(2, 2, 1, 0, 0));
      return c.Matmul(o[0], o[1], r[0]);
    case Opcode::kAdd:
    case Opcode::kMul:
      RF_RETURN_IF_ERROR(c.Counts(2, 2, 1, 0, 0));
      RF_RETURN_IF_ERROR(c.Type(o[0], kF32, "a"));
      RF_RETURN_IF_ERROR(c.Broadcast(o[0], o[1]));
      return c.SameShape(o[0], r[0], "a and the result");
    case Opcode::kSilu:
    case Opcode::kGelu:
    case Opcode::kSoftmax:
      RF_RETURN_IF_ERROR(c.Counts(1, 1, 1, 0, 0));
      RF_RETURN_IF_ERROR(c.Type(o[0], kF32, "x"));
      if (o[0].shape.empty()) return c.Fail("x has no dims");
      return c.SameShape(o[0], r[0], "x and the result");
    case Opcode::kRope:
      RF_RETURN_IF_ERROR(c.Counts(2, 3, 1, 2, 1));
      RF_RETURN_IF_ERROR(c.Rope(o[0], o[1], o.size() == 3 ? &o[2] : nullptr));
      return c.SameShape(o[0], r[0], "x and the result");
    case Opcode::kKvStore:
      RF_RETURN_IF_ERROR(c.Counts(3, 3, 1, 0, 0));
      RF_RETURN_IF_ERROR(c.Store(o[0], o[1], o[2]));
      return r[0] == o[0] ? absl::OkStatus() : c.Fail("the result must be the cache itself");
    case Opcode::kAttention:
      RF_RETURN_IF_ERROR(c.Counts(4, 4, 1, 0, 1));
      return c.Attention(o[0], o[1], o[2], o[3], r[0]);
    case Opcode::kLastToken:
      RF_RETURN_IF_ERROR(c.Counts(1, 1, 1, 0, 0));
      RF_RETURN_IF_ERROR(c.Type(o[0], kF32, "x"));
      RF_RETURN_IF_ERROR(c.Rank(o[0], 2, "x"));
      RF_RETURN_IF_ERROR(c.Rank(r[0], 2, "the result"));
      RF_RETURN_IF_ERROR(c.Same(r[0].shape[0], 1, "the result's rows"));
      return c.Same(r[0].shape[1], o[0].shape[1], "widths");
    case Opcode::kArgmax:
      RF_RETURN_IF_ERROR(c.Counts(1, 1, 1, 0, 0));
      RF_RETURN_IF_ERROR(c.Type(o[0], kF32, "x"));
      RF_RETURN_IF_ERROR(c.Type(r[0], kI32, "the result"));
      if (o[0].shape.empty() || r[0].shape.size() + 1 != o[0].shape.size() ||
          !std::equal(r[0].shape.begin(), r[0].shape.end(), o[0].shape.begin())) {
        return c.Fail("the result must be x's shape without its last dim");
      }
      return absl::OkStatus();
    case Opcode::kAddRmsNorm:
      RF_RETURN_IF_ERROR(c.Counts(3, 3, 2, 0, 1));
      RF_RETURN_IF_ERROR(c.SameShape(o[0], o[1], "x and the residual"));
      RF_RETURN_IF_ERROR(c.Type(o[1], kF32, "the residual"));
      RF_RETURN_IF_ERROR(c.Norm(o[0], o[2]));
      RF_RETURN_IF_ERROR(c.SameShape(o[0], r[0], "x and the sum"));
      return c.SameShape(o[0], r[1], "x and the norm");
    case Opcode::kMatmulAdd:
      RF_RETURN_IF_ERROR(c.Counts(3, 3, 1, 0, 0));
      RF_RETURN_IF_ERROR(c.Matmul(o[0], o[1], r[0]));
      return c.Broadcast(r[0], o[2]);
    case Opcode::kRmsNormMatmul:
      RF_RETURN_IF_ERROR(c.Counts(3, 4, 1, 0, 1));
      RF_RETURN_IF_ERROR(c.Norm(o[0], o[1]));
      RF_RETURN_IF_ERROR(c.Matmul(o[0], o[2], r[0]));
      return o.size() == 4 ? c.Broadcast(r[0], o[3]) : absl::OkStatus();
    case Opcode::kRmsNormMatmulQkv:
      RF_RETURN_IF_ERROR(c.Counts(5, 8, 3, 0, 1));
      if (o.size() != 5 && o.size() != 8) return c.Fail("expects 5 or 8 operands");
      RF_RETURN_IF_ERROR(c.Norm(o[0], o[1]));
      for (int i = 0; i < 3; ++i) {
        if (o[2 + i].type != o[2].type) return c.Fail("the q, k and v weights differ in type");
        RF_RETURN_IF_ERROR(c.Matmul(o[0], o[2 + i], r[i]));
        if (o.size() == 8) RF_RETURN_IF_ERROR(c.Broadcast(r[i], o[5 + i]));
      }
      return absl::OkStatus();
    case Opcode::kMatmulSiluMul:
    case Opcode::kRmsNormMatmulSiluMul: {
      const bool norm = in.op == Opcode::kRmsNormMatmulSiluMul;
      RF_RETURN_IF_ERROR(norm ? c.Counts(4, 4, 1, 0, 1) : c.Counts(3, 3, 1, 0, 0));
      if (norm) RF_RETURN_IF_ERROR(c.Norm(o[0], o[1]));
      const TensorRef& wg = o[norm ? 2 : 1];
      const TensorRef& wu = o[norm ? 3 : 2];
      if (wg.type != wu.type || wg.shape != wu.shape) return c.Fail("gate and up weights differ");
      return c.Matmul(o[0], wg, r[0]);
    }
    case Opcode::kRopeAttention:
      RF_RETURN_IF_ERROR(c.Counts(6, 7, 3, 2, 2));
      RF_RETURN_IF_ERROR(c.Rope(o[0], o[5], o.size() == 7 ? &o[6] : nullptr));
      RF_RETURN_IF_ERROR(c.Rope(o[1], o[5], o.size() == 7 ? &o[6] : nullptr));
      RF_RETURN_IF_ERROR(c.Store(o[3], o[1], o[5]));
      RF_RETURN_IF_ERROR(c.Store(o[4], o[2], o[5]));
      RF_RETURN_IF_ERROR(c.Attention(o[0], o[3], o[4], o[5], r[0]));
      if (!(r[1] == o[3]) || !(r[2] == o[4])) return c.Fail("the cache results must be the caches");
      return absl::OkStatus();
    case Opcode::kCount:
      break;
  }
  return c.Fail("unknown opcode");
}

uint64_t MaxBytes(const TensorRef& r, int64_t max_t) {
  const quant::TypeInfo* info = quant::FindType(r.type);
  if (info == nullptr) return UINT64_MAX;
  return static_cast<uint64_t>(Count(r, max_t) / info->block_size) * info->type_size;
}

}  // namespace

absl::Status ValidatePrograms(const plan::Plan& plan) {
  const int64_t max_t = plan.model.max_batch;
  if (max_t <= 0) return absl::InvalidArgumentError("the plan's max batch is 0");
  for (const plan::Program* program : {&plan.prefill, &plan.decode}) {
    for (size_t i = 0; i < program->instructions.size(); ++i) {
      const Instruction& in = program->instructions[i];
      auto where = [&](const absl::Status& s) {
        return WithContext(
            s, absl::StrCat("program '", program->name, "' instruction ", i, " (", in.label, ")"));
      };
      RF_RETURN_IF_ERROR(where(ValidateInstruction(in)));
      for (const auto* refs : {&in.operands, &in.results}) {
        for (const TensorRef& r : *refs) {
          for (int64_t d : r.shape) {
            if (d <= 0 && d != plan::kDimT) {
              return where(absl::InvalidArgumentError("a tensor has a non-positive dim"));
            }
          }
          const uint64_t bytes = MaxBytes(r, max_t);
          if (bytes == UINT64_MAX || r.offset > plan.arena.total() ||
              bytes > plan.arena.total() - r.offset) {
            return where(absl::InvalidArgumentError("a tensor runs outside the arena"));
          }
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status RunProgram(const plan::Program& program, uint8_t* arena, int64_t T, ThreadPool* pool) {
  return RunInstructions(program, 0, program.instructions.size(), arena, T, pool);
}

absl::Status RunInstructions(const plan::Program& program, size_t begin, size_t end, uint8_t* arena,
                             int64_t T, ThreadPool* pool) {
  if (begin > end || end > program.instructions.size()) {
    return absl::OutOfRangeError(absl::StrCat("instructions [", begin, ", ", end, ") of program '",
                                              program.name, "', which has ",
                                              program.instructions.size()));
  }
  auto f32 = [&](const TensorRef& r) { return reinterpret_cast<float*>(arena + r.offset); };
  auto i32 = [&](const TensorRef& r) { return reinterpret_cast<int32_t*>(arena + r.offset); };
  auto ptr = [&](const TensorRef& r) { return static_cast<void*>(arena + r.offset); };
  auto check_positions = [&](const TensorRef& pos, const TensorRef& cache) -> absl::Status {
    const int64_t C = cache.shape[0];
    for (int64_t t = 0; t < Dim(pos, 0, T); ++t) {
      if (i32(pos)[t] < 0 || i32(pos)[t] >= C) {
        return absl::OutOfRangeError(
            absl::StrCat("position ", i32(pos)[t], " is outside the KV cache [0, ", C, ")"));
      }
    }
    return absl::OkStatus();
  };
  auto rope_params = [&](const Instruction& in, const float* ff) {
    return RopeParams{in.ints[0] == 0 ? RopeStyle::kNorm : RopeStyle::kNeox, in.ints[1],
                      in.floats[0], ff};
  };
  for (size_t index = begin; index < end; ++index) {
    const Instruction& in = program.instructions[index];
    const auto& o = in.operands;
    const auto& r = in.results;
    switch (in.op) {
      case Opcode::kEmbedding: {
        const int64_t V = o[0].shape[0], n = Dim(o[1], 0, T);
        for (int64_t t = 0; t < n; ++t) {
          if (i32(o[1])[t] < 0 || i32(o[1])[t] >= V) {
            return absl::InvalidArgumentError(
                absl::StrCat("token id ", i32(o[1])[t], " is outside the vocabulary [0, ", V, ")"));
          }
        }
        Embedding(ptr(o[0]), TypeOf(o[0]), o[0].shape[1], i32(o[1]), n, f32(r[0]));
        break;
      }
      case Opcode::kRmsNorm: {
        const int64_t n = Dim(o[0], -1, T);
        RmsNorm(f32(o[0]), f32(o[1]), Count(o[0], T) / n, n, in.floats[0], f32(r[0]));
        break;
      }
      case Opcode::kMatmul: {
        const int64_t K = Dim(o[0], -1, T);
        Matmul(f32(o[0]), Count(o[0], T) / K, K, ptr(o[1]), TypeOf(o[1]), o[1].shape[0], f32(r[0]),
               pool);
        break;
      }
      case Opcode::kAdd:
        Add(f32(o[0]), Count(o[0], T), f32(o[1]), Count(o[1], T), f32(r[0]));
        break;
      case Opcode::kMul:
        Mul(f32(o[0]), Count(o[0], T), f32(o[1]), Count(o[1], T), f32(r[0]));
        break;
      case Opcode::kSilu:
        Silu(f32(o[0]), Count(o[0], T), f32(r[0]));
        break;
      case Opcode::kGelu:
        Gelu(f32(o[0]), Count(o[0], T), f32(r[0]));
        break;
      case Opcode::kSoftmax: {
        const int64_t n = Dim(o[0], -1, T);
        Softmax(f32(o[0]), Count(o[0], T) / n, n, f32(r[0]));
        break;
      }
      case Opcode::kRope: {
        const RopeParams p = rope_params(in, o.size() == 3 ? f32(o[2]) : nullptr);
        Rope(f32(o[0]), Dim(o[0], 0, T), o[0].shape[1], o[0].shape[2], i32(o[1]), p.freq_factors,
             p.style, p.n_rot, p.theta, f32(r[0]));
        break;
      }
      case Opcode::kKvStore:
        RF_RETURN_IF_ERROR(check_positions(o[2], o[0]));
        KvStore(ptr(o[0]), TypeOf(o[0]), o[0].shape[1], o[0].shape[2], f32(o[1]), Dim(o[1], 0, T),
                i32(o[2]));
        break;
      case Opcode::kAttention:
        RF_RETURN_IF_ERROR(check_positions(o[3], o[1]));
        Attention(f32(o[0]), Dim(o[0], 0, T), o[0].shape[1], o[0].shape[2], ptr(o[1]), ptr(o[2]),
                  TypeOf(o[1]), o[1].shape[1], i32(o[3]), in.floats[0], f32(r[0]), pool);
        break;
      case Opcode::kLastToken: {
        const int64_t E = o[0].shape[1];
        std::memmove(f32(r[0]), f32(o[0]) + (Dim(o[0], 0, T) - 1) * E, E * sizeof(float));
        break;
      }
      case Opcode::kArgmax: {
        const int64_t n = Dim(o[0], -1, T);
        Argmax(f32(o[0]), Count(o[0], T) / n, n, i32(r[0]));
        break;
      }
      case Opcode::kAddRmsNorm: {
        const int64_t n = Dim(o[0], -1, T);
        AddRmsNorm(f32(o[0]), f32(o[1]), f32(o[2]), Count(o[0], T) / n, n, in.floats[0], f32(r[0]),
                   f32(r[1]));
        break;
      }
      case Opcode::kMatmulAdd: {
        const int64_t K = Dim(o[0], -1, T);
        MatmulAdd(f32(o[0]), Count(o[0], T) / K, K, ptr(o[1]), TypeOf(o[1]), o[1].shape[0],
                  f32(o[2]), Count(o[2], T), f32(r[0]), pool);
        break;
      }
      case Opcode::kRmsNormMatmul: {
        const int64_t K = Dim(o[0], -1, T);
        const bool addend = o.size() == 4;
        RmsNormMatmul(f32(o[0]), f32(o[1]), in.floats[0], Count(o[0], T) / K, K, ptr(o[2]),
                      TypeOf(o[2]), o[2].shape[0], addend ? f32(o[3]) : nullptr,
                      addend ? Count(o[3], T) : 0, f32(r[0]), pool);
        break;
      }
      case Opcode::kRmsNormMatmulQkv: {  // what the three unfused ops compute, one after another
        const int64_t K = Dim(o[0], -1, T);
        const bool bias = o.size() == 8;
        for (int i = 0; i < 3; ++i) {
          RmsNormMatmul(f32(o[0]), f32(o[1]), in.floats[0], Count(o[0], T) / K, K, ptr(o[2 + i]),
                        TypeOf(o[2 + i]), o[2 + i].shape[0], bias ? f32(o[5 + i]) : nullptr,
                        bias ? Count(o[5 + i], T) : 0, f32(r[i]), pool);
        }
        break;
      }
      case Opcode::kMatmulSiluMul:
      case Opcode::kRmsNormMatmulSiluMul: {
        const bool norm = in.op == Opcode::kRmsNormMatmulSiluMul;
        const int w = norm ? 2 : 1;
        const int64_t K = Dim(o[0], -1, T);
        MatmulSiluMul(f32(o[0]), norm ? f32(o[1]) : nullptr, norm ? in.floats[0] : 0.0f,
                      Count(o[0], T) / K, K, ptr(o[w]), ptr(o[w + 1]), TypeOf(o[w]), o[w].shape[0],
                      f32(r[0]), pool);
        break;
      }
      case Opcode::kRopeAttention: {
        RF_RETURN_IF_ERROR(check_positions(o[5], o[3]));
        const RopeParams p = rope_params(in, o.size() == 7 ? f32(o[6]) : nullptr);
        RopeAttention(f32(o[0]), f32(o[1]), f32(o[2]), Dim(o[0], 0, T), o[0].shape[1],
                      o[1].shape[1], o[0].shape[2], ptr(o[3]), ptr(o[4]), TypeOf(o[3]), i32(o[5]),
                      p, in.floats[1], f32(r[0]), pool);
        break;
      }
      case Opcode::kCount:
        return absl::InternalError("unknown opcode");
    }
  }
  return absl::OkStatus();
}

}  // namespace rf::cpu
