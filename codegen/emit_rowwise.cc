// Kernels for the row-wise and element-wise ops: embedding, rms_norm, add_rms_norm, add, mul,
// silu, gelu, softmax, rope, kv_store, last_token, argmax. One block per row where the op reduces
// over a row, a grid-stride loop otherwise. Rows that scale with the step's tokens are launched
// per token (grid.x = rows per token x T), so the decode program's grid is fixed.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codegen/emit_util.h"
#include "codegen/kernels_internal.h"
#include "codegen/weight_layout.h"
#include "support/status.h"

namespace rf::codegen {
namespace {

using plan::Opcode;
constexpr int kThreads = 256;

// Elements of a tensor per token (its shape without T), and whether it has a T dim.
int64_t PerToken(const plan::TensorRef& r) {
  int64_t n = 1;
  for (int64_t d : r.shape) n *= d == plan::kDimT ? 1 : d;
  return n;
}

std::string Name(const plan::Instruction& in, const std::string& detail) {
  return absl::StrCat(absl::AsciiStrToLower(plan::OpcodeName(in.op)), "_", detail);
}

// A launch over `rows_per_token` rows per token (or a fixed count when the tensor has no T).
void RowLaunch(KernelSpec& k, const plan::TensorRef& r, int64_t rows_per_token) {
  k.block = kThreads;
  if (HasTokenDim(r)) {
    k.grid_base = 0;
    k.grid_per_tile = static_cast<uint32_t>(rows_per_token);
    k.token_tile = 1;
  } else {
    k.grid_base = static_cast<uint32_t>(rows_per_token);
  }
}

std::string Begin(const plan::Instruction& in, const Target& target, const KernelSpec& k,
                  const std::string& what, const std::vector<std::string>& operands,
                  const std::vector<std::string>& results, const std::string& constants) {
  return absl::StrCat(
      KernelComment(in, what), WaveHelpers(target),
      absl::StrFormat("constexpr i32 NT = %d;\n", kThreads), constants,
      "RF_DEVICE f32 block_sum(f32 v, f32* red) {\n", "  v = wave_sum(v);\n",
      "  if (rf_thread_x() % WAVE == 0) red[rf_thread_x() / WAVE] = v;\n", "  rf_barrier();\n",
      "  f32 s = 0.0f;\n", "  for (i32 w = 0; w < NT / WAVE; ++w) s += red[w];\n",
      "  rf_barrier();\n", "  return s;\n", "}\n", "RF_KERNEL RF_LAUNCH_BOUNDS(NT) void ", k.name,
      "(", KernelParams(in, operands, results), ") {\n", "  const i32 T = step[0];\n  (void)T;\n");
}

absl::StatusOr<KernelSpec> Embedding(const plan::Instruction& in, const Target& target) {
  const plan::TensorRef& table = in.operands[0];
  const int64_t V = table.shape[0], E = table.shape[1];
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("%s_%dx%d", TypeTag(table.type), V, E));
  RowLaunch(k, in.operands[1], 1);
  const quant::GgmlType t = static_cast<quant::GgmlType>(table.type);
  std::string row;
  if (t == quant::GgmlType::kQ8_0) {
    row =
        "      const i8* q = (const i8*)table + (u64)id * E + 32 * u;\n"
        "      const f32 d = rf_half_to_f32(((const u16*)(table + (u64)V * E))[(u64)id * (E / 32) "
        "+ u]);\n"
        "      for (i32 i = 0; i < 32; ++i) o[i] = (f32)q[i] * d;\n";
  } else if (t == quant::GgmlType::kQ4_0) {
    row =
        "      const u8* q = table + (u64)id * (E / 2) + 16 * u;\n"
        "      const f32 d = rf_half_to_f32(((const u16*)(table + (u64)V * (E / 2)))[(u64)id * (E "
        "/ 32) + u]);\n"
        "      for (i32 i = 0; i < 16; ++i) {\n"
        "        o[i] = (f32)((i32)(q[i] & 15) - 8) * d;\n"
        "        o[i + 16] = (f32)((i32)(q[i] >> 4) - 8) * d;\n"
        "      }\n";
  } else if (t == quant::GgmlType::kQ6_K) {
    row = "      rf_dequant32_q6_k_planes(table, V, E, id, u, o);\n";
  } else {
    row = absl::StrCat("      rf_dequant32_", TypeTag(table.type),
                       "((const u8*)table + (u64)id * ROW_BYTES, u, o);\n");
  }
  k.body = Begin(
      in, target, k,
      absl::StrFormat("embedding: out[t] = table[ids[t]] (%s [%d, %d]); one block per "
                      "token",
                      TypeTag(table.type), V, E),
      {"table", "ids"}, {"out"},
      absl::StrCat(DeviceQuantCode(), absl::StrFormat("constexpr i32 V = %d, E = %d;\n", V, E),
                   "constexpr u64 ROW_BYTES = ", RowBytes(table.type, E), ";\n"));
  absl::StrAppend(&k.body, "  const i32 t = (i32)rf_block_x();\n", "  const i32 id = ids[t];\n",
                  "  if (id < 0 || id >= V) return;  // the runtime checks ids before a step\n",
                  "  for (i32 u = (i32)rf_thread_x(); u < E / 32; u += NT) {\n",
                  "    f32* o = out + (u64)t * E + 32 * u;\n", "    {\n", row, "    }\n", "  }\n",
                  "}\n");
  return k;
}

KernelSpec RmsNorm(const plan::Instruction& in, const Target& target) {
  const bool add = in.op == Opcode::kAddRmsNorm;
  const plan::TensorRef& x = in.operands[0];
  const int64_t E = x.shape.back(), rows = PerToken(x) / E;
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("%d", E));
  RowLaunch(k, x, rows);
  k.body =
      Begin(in, target, k,
            absl::StrFormat("%s over rows of %d; one block per row",
                            add ? "add_rms_norm: s = x + r, n = rms_norm(s) * w" : "rms_norm", E),
            add ? std::vector<std::string>{"x", "r", "w"} : std::vector<std::string>{"x", "w"},
            add ? std::vector<std::string>{"s", "out"} : std::vector<std::string>{"out"},
            absl::StrFormat("constexpr i32 E = %d;\nconstexpr f32 EPS = %s;\n", E,
                            FloatLiteral(in.floats[0])));
  absl::StrAppend(&k.body, "  RF_SHARED f32 red[NT / WAVE];\n",
                  "  const u64 base = (u64)rf_block_x() * E;\n", "  f32 ss = 0.0f;\n",
                  "  for (i32 e = (i32)rf_thread_x(); e < E; e += NT) {\n",
                  add ? "    const f32 v = x[base + e] + r[base + e];\n    s[base + e] = v;\n"
                      : "    const f32 v = x[base + e];\n",
                  "    ss += v * v;\n", "  }\n",
                  "  const f32 inv = 1.0f / rf_sqrt(block_sum(ss, red) / (f32)E + EPS);\n",
                  "  for (i32 e = (i32)rf_thread_x(); e < E; e += NT) {\n",
                  add ? "    out[base + e] = (s[base + e] * inv) * w[e];\n"
                      : "    out[base + e] = (x[base + e] * inv) * w[e];\n",
                  "  }\n", "}\n");
  return k;
}

KernelSpec Elementwise(const plan::Instruction& in, const Target& target) {
  const plan::TensorRef& a = in.operands[0];
  const int64_t n_per_token = PerToken(a);
  const bool binary = in.op == Opcode::kAdd || in.op == Opcode::kMul;
  const int64_t nb = binary ? PerToken(in.operands[1]) : 0;
  const bool b_per_token = binary && HasTokenDim(in.operands[1]);
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("%d%s", n_per_token, binary ? absl::StrCat("_b", nb) : ""));
  k.block = kThreads;
  const int64_t blocks_per_token = (n_per_token + kThreads - 1) / kThreads;
  if (HasTokenDim(a)) {
    k.grid_base = 0;
    k.grid_per_tile = static_cast<uint32_t>(blocks_per_token);
  } else {
    k.grid_base = static_cast<uint32_t>(blocks_per_token);
  }
  std::string expr;
  switch (in.op) {
    case Opcode::kAdd:
      expr = b_per_token ? "a[i] + b[i]" : "a[i] + b[i % NB]";
      break;
    case Opcode::kMul:
      expr = b_per_token ? "a[i] * b[i]" : "a[i] * b[i % NB]";
      break;
    case Opcode::kSilu:
      expr = "a[i] / (1.0f + rf_exp(-a[i]))";
      break;
    default:  // gelu, tanh form, as ggml
      expr =
          "0.5f * a[i] * (1.0f + tanh_approx(0.7978845608f * a[i] * (1.0f + 0.044715f * a[i] * "
          "a[i])))";
      break;
  }
  k.body = Begin(
      in, target, k,
      absl::StrFormat("%s over %d elements per token", plan::OpcodeName(in.op), n_per_token),
      binary ? std::vector<std::string>{"a", "b"} : std::vector<std::string>{"a"}, {"out"},
      absl::StrCat(absl::StrFormat("constexpr i64 N_PER_TOKEN = %d;\n", n_per_token),
                   binary && !b_per_token ? absl::StrFormat("constexpr i64 NB = %d;\n", nb) : "",
                   in.op == Opcode::kGelu ? "RF_DEVICE f32 tanh_approx(f32 v) { const f32 e = "
                                            "rf_exp(2.0f * v); return 1.0f - 2.0f / (e + 1.0f); }\n"
                                          : ""));
  absl::StrAppend(&k.body, "  const i64 n = N_PER_TOKEN", HasTokenDim(a) ? " * T" : "", ";\n",
                  "  const i64 i = (i64)rf_block_x() * NT + rf_thread_x();\n",
                  "  if (i >= n) return;\n", "  out[i] = ", expr, ";\n", "}\n");
  return k;
}

KernelSpec Softmax(const plan::Instruction& in, const Target& target) {
  const plan::TensorRef& x = in.operands[0];
  const int64_t n = x.shape.back(), rows = PerToken(x) / n;
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("%d", n));
  RowLaunch(k, x, rows);
  k.body = Begin(in, target, k, absl::StrFormat("softmax over rows of %d", n), {"x"}, {"out"},
                 absl::StrFormat("constexpr i32 NR = %d;\n", n));
  absl::StrAppend(
      &k.body, "  RF_SHARED f32 red[NT / WAVE];\n", "  const u64 base = (u64)rf_block_x() * NR;\n",
      "  f32 m = -(1.0f / 0.0f);\n",
      "  for (i32 e = (i32)rf_thread_x(); e < NR; e += NT) m = rf_max(m, x[base + e]);\n",
      "  m = wave_max(m);\n", "  if (rf_thread_x() % WAVE == 0) red[rf_thread_x() / WAVE] = m;\n",
      "  rf_barrier();\n", "  m = red[0];\n",
      "  for (i32 w = 1; w < NT / WAVE; ++w) m = rf_max(m, red[w]);\n", "  rf_barrier();\n",
      "  f32 s = 0.0f;\n",
      "  for (i32 e = (i32)rf_thread_x(); e < NR; e += NT) s += rf_exp(x[base + e] - m);\n",
      "  const f32 inv = 1.0f / block_sum(s, red);\n",
      "  for (i32 e = (i32)rf_thread_x(); e < NR; e += NT) out[base + e] = rf_exp(x[base + e] - m) "
      "* inv;\n",
      "}\n");
  return k;
}

KernelSpec Rope(const plan::Instruction& in, const Target& target) {
  const plan::TensorRef& x = in.operands[0];
  const int64_t H = x.shape[1], D = x.shape[2], n_rot = in.ints[1];
  const bool neox = in.ints[0] == 1, ff = in.operands.size() == 3;
  const float theta_scale = std::pow(in.floats[0], -2.0f / static_cast<float>(n_rot));
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("h%d_d%d_r%d_%s%s", H, D, n_rot, neox ? "neox" : "norm",
                                    ff ? "_ff" : ""));
  RowLaunch(k, x, 1);
  k.body =
      Begin(in, target, k,
            absl::StrFormat("rope (%s, n_rot %d) of [T, %d, %d]; one block per token",
                            neox ? "neox" : "norm", n_rot, H, D),
            ff ? std::vector<std::string>{"x", "pos", "ff"} : std::vector<std::string>{"x", "pos"},
            {"out"},
            absl::StrFormat("constexpr i32 H = %d, D = %d, N_ROT = %d;\nconstexpr bool NEOX = %s;\n"
                            "constexpr f32 THETA_SCALE = %s;\n",
                            H, D, n_rot, neox ? "true" : "false", FloatLiteral(theta_scale)));
  absl::StrAppend(
      &k.body, "  const i32 t = (i32)rf_block_x();\n", "  const i32 p = pos[t];\n",
      "  for (i32 e = (i32)rf_thread_x(); e < H * D; e += NT) {\n",
      "    const i32 h = e / D, d = e % D;\n", "    const u64 row = ((u64)t * H + h) * D;\n",
      "    if (d >= N_ROT) { out[row + d] = x[row + d]; continue; }\n",
      "    const i32 i = NEOX ? d % (N_ROT / 2) : d / 2;\n",
      "    const bool second = NEOX ? d >= N_ROT / 2 : (d % 2) == 1;\n",
      "    const i32 i0 = NEOX ? i : 2 * i, i1 = NEOX ? i + N_ROT / 2 : 2 * i + 1;\n",
      "    f32 angle = (f32)p;\n", "    for (i32 k = 0; k < i; ++k) angle *= THETA_SCALE;\n",
      ff ? "    angle = angle / ff[i];\n" : "", "    const double two_pi = 6.283185307179586;\n",
      "    const f32 a = (f32)((double)angle - two_pi * rf_rint((double)angle / two_pi));\n",
      "    const f32 s = rf_sin(a), c = rf_cos(a);\n",
      "    const f32 x0 = x[row + i0], x1 = x[row + i1];\n",
      "    out[row + d] = second ? x0 * s + x1 * c : x0 * c - x1 * s;\n", "  }\n", "}\n");
  return k;
}

KernelSpec KvStore(const plan::Instruction& in, const Target& target) {
  const plan::TensorRef& cache = in.operands[0];
  const int64_t C = cache.shape[0], Hkv = cache.shape[1], D = cache.shape[2];
  const bool f16 = cache.type == static_cast<uint32_t>(quant::GgmlType::kF16);
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("kv%d_d%d_c%d_%s", Hkv, D, C, f16 ? "f16" : "f32"));
  RowLaunch(k, in.operands[1], 1);
  k.body = Begin(
      in, target, k, absl::StrFormat("kv_store: cache[pos[t]] = x[t] ([%d, %d] rows)", Hkv, D),
      {"cache_in", "x", "pos"}, {"cache"}, absl::StrFormat("constexpr i32 ROW = %d;\n", Hkv * D));
  absl::StrAppend(&k.body, "  const i32 t = (i32)rf_block_x();\n", "  const i32 p = pos[t];\n",
                  "  for (i32 e = (i32)rf_thread_x(); e < ROW; e += NT) {\n",
                  f16 ? "    cache[(u64)p * ROW + e] = rf_f32_to_half(x[(u64)t * ROW + e]);\n"
                      : "    cache[(u64)p * ROW + e] = x[(u64)t * ROW + e];\n",
                  "  }\n", "}\n");
  return k;
}

KernelSpec LastToken(const plan::Instruction& in, const Target& target) {
  const int64_t E = in.operands[0].shape[1];
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("%d", E));
  k.block = kThreads;
  k.grid_base = 1;
  k.body = Begin(in, target, k, absl::StrFormat("last_token: out = x[T - 1] (rows of %d)", E),
                 {"x"}, {"out"}, absl::StrFormat("constexpr i32 E = %d;\n", E));
  absl::StrAppend(
      &k.body, "  const i64 rows = ", HasTokenDim(in.operands[0]) ? "T" : "1", ";\n",
      "  for (i32 e = (i32)rf_thread_x(); e < E; e += NT) out[e] = x[(u64)(rows - 1) * E + e];\n",
      "}\n");
  return k;
}

KernelSpec Argmax(const plan::Instruction& in, const Target& target) {
  const plan::TensorRef& x = in.operands[0];
  const int64_t n = x.shape.back(), rows = PerToken(x) / n;
  KernelSpec k;
  k.name = Name(in, absl::StrFormat("%d", n));
  RowLaunch(k, x, rows);
  k.body =
      Begin(in, target, k, absl::StrFormat("argmax over rows of %d (first index of the max)", n),
            {"x"}, {"out"}, absl::StrFormat("constexpr i32 NR = %d;\n", n));
  absl::StrAppend(&k.body, "  RF_SHARED f32 best_v[NT];\n", "  RF_SHARED i32 best_i[NT];\n",
                  "  const u64 base = (u64)rf_block_x() * NR;\n", "  f32 bv = -(1.0f / 0.0f);\n",
                  "  i32 bi = 0;\n", "  for (i32 e = (i32)rf_thread_x(); e < NR; e += NT) {\n",
                  "    if (x[base + e] > bv) { bv = x[base + e]; bi = e; }\n", "  }\n",
                  "  best_v[rf_thread_x()] = bv;\n", "  best_i[rf_thread_x()] = bi;\n",
                  "  rf_barrier();\n", "  if (rf_thread_x() != 0) return;\n",
                  "  for (i32 t2 = 1; t2 < NT; ++t2) {\n",
                  "    if (best_v[t2] > bv || (best_v[t2] == bv && best_i[t2] < bi)) { bv = "
                  "best_v[t2]; bi = best_i[t2]; }\n",
                  "  }\n", "  out[rf_block_x()] = bi;\n", "}\n");
  return k;
}

}  // namespace

absl::StatusOr<std::vector<KernelSpec>> EmitRowwise(const plan::Instruction& in,
                                                    const Target& target, StepKind kind) {
  switch (in.op) {
    case Opcode::kEmbedding: {
      RF_ASSIGN_OR_RETURN(KernelSpec k, Embedding(in, target));
      return std::vector<KernelSpec>{k};
    }
    case Opcode::kRmsNorm:
    case Opcode::kAddRmsNorm:
      return std::vector<KernelSpec>{RmsNorm(in, target)};
    case Opcode::kAdd:
    case Opcode::kMul:
    case Opcode::kSilu:
    case Opcode::kGelu:
      return std::vector<KernelSpec>{Elementwise(in, target)};
    case Opcode::kSoftmax:
      return std::vector<KernelSpec>{Softmax(in, target)};
    case Opcode::kRope:
      return std::vector<KernelSpec>{Rope(in, target)};
    case Opcode::kKvStore:
      return std::vector<KernelSpec>{KvStore(in, target)};
    case Opcode::kLastToken:
      return std::vector<KernelSpec>{LastToken(in, target)};
    case Opcode::kArgmax:
      return std::vector<KernelSpec>{Argmax(in, target)};
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("no row-wise kernel for ", plan::OpcodeName(in.op)));
}

}  // namespace rf::codegen
