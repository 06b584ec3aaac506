// Kernels for the matmul family: matmul, matmul_add, rms_norm_matmul, matmul_silu_mul,
// rms_norm_matmul_silu_mul.
//
// Decode (one token, or any step whose x has a constant row count, such as the logits after
// last_token) is a GEMV and memory-bound: one wave per output row reads the row's weights once,
// with 16-byte loads where the layout allows (q8_0/q4_0 planes, f16, f32), dequantizes in
// registers, multiplies by x (read through the cache: every wave needs all of it) and reduces with
// shuffles. The rms_norm prologue is recomputed per wave from x (a few KB, cached), so no kernel
// writes the normalized x; the epilogue adds a bias or residual, or applies silu(gate) * up.
//
// Prefill (T tokens) is a tiled GEMM over [T, K] x [N, K]^T: x tiles (normalized on load) and
// dequantized weight tiles in LDS; the tile product on the target's matrix unit where the
// emitter has one (mma.sync on sm_90), else an FMA micro-tile per thread.
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

struct MatmulForm {
  int x = 0, nw = -1, w = 1, w_up = -1, addend = -1;
  float eps = 0;
};

MatmulForm FormOf(const plan::Instruction& in) {
  MatmulForm f;
  switch (in.op) {
    case Opcode::kMatmul:
      break;
    case Opcode::kMatmulAdd:
      f.addend = 2;
      break;
    case Opcode::kRmsNormMatmul:
      f.nw = 1, f.w = 2, f.addend = in.operands.size() == 4 ? 3 : -1, f.eps = in.floats[0];
      break;
    case Opcode::kMatmulSiluMul:
      f.w_up = 2;
      break;
    case Opcode::kRmsNormMatmulSiluMul:
      f.nw = 1, f.w = 2, f.w_up = 3, f.eps = in.floats[0];
      break;
    default:
      break;
  }
  return f;
}

std::vector<std::string> OperandNames(const plan::Instruction& in, const MatmulForm& f) {
  std::vector<std::string> names(in.operands.size());
  names[f.x] = "x";
  names[f.w] = "w";
  if (f.nw >= 0) names[f.nw] = "nw";
  if (f.w_up >= 0) names[f.w_up] = "w_up";
  if (f.addend >= 0) names[f.addend] = "addend";
  return names;
}

// x[k] as the weights see it: normalized when the op has an rms_norm prologue.
std::string XAt(const MatmulForm& f, const std::string& k) {
  if (f.nw < 0) return absl::StrCat("x[", k, "]");
  return absl::StrCat("(x[", k, "] * inv) * nw[", k, "]");
}

// Types with a GEMV loop of their own (16-byte loads); the others go through rf_dequant32_*.
bool UsesFastGemv(uint32_t type) {
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  return t == quant::GgmlType::kQ8_0 || t == quant::GgmlType::kQ4_0 || t == quant::GgmlType::kF16 ||
         t == quant::GgmlType::kF32;
}

// Float weights whose rows are not a whole number of 16-byte loads (e.g. stories260K's ffn_down
// in f16, K = 172) are read element by element by the GEMV.
bool ScalarFloatRows(uint32_t type, int64_t K) {
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  if (t == quant::GgmlType::kF32) return K % 4 != 0;
  if (t == quant::GgmlType::kF16 || t == quant::GgmlType::kBF16) return K % 32 != 0;
  return false;
}

// f32 of element k of a float row `w_row` of `type`.
std::string FloatElement(uint32_t type, const std::string& w_row, const std::string& k) {
  switch (static_cast<quant::GgmlType>(type)) {
    case quant::GgmlType::kF32:
      return absl::StrCat(w_row, "[", k, "]");
    case quant::GgmlType::kF16:
      return absl::StrCat("rf_half_to_f32(", w_row, "[", k, "])");
    default:
      return absl::StrCat("rf_bf16_to_f32(", w_row, "[", k, "])");
  }
}

// The GEMV loop accumulating row `row` of weight `wv` into `acc`.
std::string GemvLoop(uint32_t type, int64_t K, const MatmulForm& f, const std::string& wv,
                     const std::string& acc) {
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  std::string s;
  if (ScalarFloatRows(type, K)) {
    return absl::StrCat("  {  // ", TypeTag(type), " rows of ", K, " elements, one per lane\n",
                        "    const auto* w_row = ", wv, " + (u64)row * K;\n",
                        "    for (i32 k = lane; k < K; k += WAVE) ", acc, " += ", XAt(f, "k"),
                        " * ", FloatElement(type, "w_row", "k"), ";\n", "  }\n");
  }
  if (t == quant::GgmlType::kQ8_0) {
    absl::StrAppend(&s, "  {  // q8_0 planes: 16 quants (one 16-byte load) per step\n",
                    "    const u8* q_row = ", wv, " + (u64)row * K;\n",
                    "    const u16* d_row = (const u16*)(", wv,
                    " + (u64)N * K) + (u64)row * (K / 32);\n",
                    "    for (i32 c = lane; c < K / 16; c += WAVE) {\n",
                    "      const u32x4 q = *(const u32x4*)(q_row + 16 * c);\n",
                    "      const u32 qw[4] = {q.x, q.y, q.z, q.w};\n", "      f32 s = 0.0f;\n",
                    "      for (i32 i = 0; i < 16; ++i) {\n", "        s += ", XAt(f, "16 * c + i"),
                    " * (f32)(i8)(qw[i / 4] >> (8 * (i % 4)));\n", "      }\n", "      ", acc,
                    " += s * rf_half_to_f32(d_row[c / 2]);\n", "    }\n", "  }\n");
  } else if (t == quant::GgmlType::kQ4_0) {
    absl::StrAppend(
        &s, "  {  // q4_0 planes: one block (16 bytes, 32 quants) per step\n",
        "    const u8* q_row = ", wv, " + (u64)row * (K / 2);\n",
        "    const u16* d_row = (const u16*)(", wv, " + (u64)N * (K / 2)) + (u64)row * (K / 32);\n",
        "    for (i32 c = lane; c < K / 32; c += WAVE) {\n",
        "      const u32x4 q = *(const u32x4*)(q_row + 16 * c);\n",
        "      const u32 qw[4] = {q.x, q.y, q.z, q.w};\n", "      f32 s = 0.0f;\n",
        "      for (i32 i = 0; i < 16; ++i) {\n",
        "        const u32 byte = (qw[i / 4] >> (8 * (i % 4))) & 255u;\n",
        "        s += ", XAt(f, "32 * c + i"), " * (f32)((i32)(byte & 15u) - 8);\n",
        "        s += ", XAt(f, "32 * c + i + 16"), " * (f32)((i32)(byte >> 4) - 8);\n",
        "      }\n", "      ", acc, " += s * rf_half_to_f32(d_row[c]);\n", "    }\n", "  }\n");
  } else if (t == quant::GgmlType::kF16) {
    absl::StrAppend(
        &s, "  {  // f16: 8 halves (one 16-byte load) per step\n", "    const u16* w_row = ", wv,
        " + (u64)row * K;\n", "    for (i32 c = lane; c < K / 8; c += WAVE) {\n",
        "      const u32x4 q = *(const u32x4*)(w_row + 8 * c);\n",
        "      const u32 qw[4] = {q.x, q.y, q.z, q.w};\n", "      for (i32 i = 0; i < 8; ++i) {\n",
        "        ", acc, " += ", XAt(f, "8 * c + i"),
        " * rf_half_to_f32((u16)(qw[i / 2] >> (16 * (i % 2))));\n", "      }\n", "    }\n",
        "  }\n");
  } else if (t == quant::GgmlType::kF32) {
    absl::StrAppend(
        &s, "  {  // f32: 4 floats (one 16-byte load) per step\n", "    const f32* w_row = ", wv,
        " + (u64)row * K;\n", "    for (i32 c = lane; c < K / 4; c += WAVE) {\n",
        "      const f32x4 q = *(const f32x4*)(w_row + 4 * c);\n", "      ", acc,
        " += ", XAt(f, "4 * c"), " * q.x + ", XAt(f, "4 * c + 1"), " * q.y + ", XAt(f, "4 * c + 2"),
        " * q.z + ", XAt(f, "4 * c + 3"), " * q.w;\n", "    }\n", "  }\n");
  } else {
    absl::StrAppend(&s, "  {  // ", TypeTag(type), ": 32-element units in GGUF layout\n",
                    "    const u8* w_row = (const u8*)", wv, " + (u64)row * ROW_BYTES;\n",
                    "    for (i32 u = lane; u < K / 32; u += WAVE) {\n", "      f32 wu[32];\n",
                    "      rf_dequant32_", TypeTag(type), "(w_row, u, wu);\n",
                    "      for (i32 i = 0; i < 32; ++i) ", acc, " += ", XAt(f, "32 * u + i"),
                    " * wu[i];\n", "    }\n", "  }\n");
  }
  return s;
}

absl::StatusOr<std::vector<KernelSpec>> EmitGemv(const plan::Instruction& in, const Target& target,
                                                 const MatmulForm& f, int64_t M) {
  const plan::TensorRef& w = in.operands[f.w];
  const int64_t K = w.shape[1], N = w.shape[0];
  const uint32_t type = w.type;
  if (M != 1) {
    return absl::UnimplementedError(absl::StrCat("a GEMV over ", M, " rows (only 1 is emitted)"));
  }
  constexpr int kWaves = 4;
  KernelSpec k;
  k.name = absl::StrFormat("%s_%s_%dx%d_decode", absl::AsciiStrToLower(plan::OpcodeName(in.op)),
                           TypeTag(type), K, N);
  k.block = static_cast<uint32_t>(kWaves * target.wave_size);
  k.grid_base = static_cast<uint32_t>((N + kWaves - 1) / kWaves);
  std::string& b = k.body;
  absl::StrAppend(&b,
                  KernelComment(in, absl::StrFormat("%s: x[1, %d] * W[%d, %d]^T (%s)%s%s%s",
                                                    plan::OpcodeName(in.op), K, N, K, TypeTag(type),
                                                    f.nw >= 0 ? ", rms_norm prologue" : "",
                                                    f.w_up >= 0 ? ", silu(gate) * up" : "",
                                                    f.addend >= 0 ? ", + addend" : "")),
                  "// one wave per output row, ", kWaves, " waves per block of ", k.block,
                  " threads\n", WaveHelpers(target), UsesFastGemv(type) ? "" : DeviceQuantCode(),
                  "constexpr i32 K = ", K, ";\n", "constexpr i32 N = ", N, ";\n",
                  "constexpr i32 WAVES = ", kWaves, ";\n",
                  "constexpr u64 ROW_BYTES = ", RowBytes(type, K), ";\n");
  if (f.nw >= 0) absl::StrAppend(&b, "constexpr f32 EPS = ", FloatLiteral(f.eps), ";\n");
  absl::StrAppend(&b, "RF_KERNEL RF_LAUNCH_BOUNDS(", k.block, ") void ", k.name, "(",
                  KernelParams(in, OperandNames(in, f), {"out"}), ") {\n",
                  "  const i32 lane = (i32)(rf_thread_x() % WAVE);\n",
                  "  const i32 row = (i32)(rf_block_x() * WAVES + rf_thread_x() / WAVE);\n");
  if (f.nw >= 0) {
    absl::StrAppend(&b, "  f32 ss = 0.0f;  // the rms_norm scale of x, per wave\n",
                    "  for (i32 k = lane; k < K; k += WAVE) ss += x[k] * x[k];\n",
                    "  const f32 inv = 1.0f / rf_sqrt(wave_sum(ss) / (f32)K + EPS);\n");
  }
  absl::StrAppend(&b, "  if (row >= N) return;\n", "  f32 acc = 0.0f;\n",
                  GemvLoop(type, K, f, "w", "acc"));
  if (f.w_up >= 0)
    absl::StrAppend(&b, "  f32 acc_up = 0.0f;\n", GemvLoop(type, K, f, "w_up", "acc_up"));
  absl::StrAppend(&b, "  acc = wave_sum(acc);\n");
  if (f.w_up >= 0) absl::StrAppend(&b, "  acc_up = wave_sum(acc_up);\n");
  absl::StrAppend(&b, "  if (lane != 0) return;\n");
  if (f.w_up >= 0) absl::StrAppend(&b, "  acc = acc / (1.0f + rf_exp(-acc)) * acc_up;\n");
  if (f.addend >= 0) absl::StrAppend(&b, "  acc = acc + addend[row];\n");
  absl::StrAppend(&b, "  out[row] = acc;\n}\n");
  return std::vector<KernelSpec>{k};
}

// The FMA-tiled GEMM: BM tokens x BN rows per block of 256 threads, each thread 2 x 4 outputs.
absl::StatusOr<std::vector<KernelSpec>> EmitGemm(const plan::Instruction& in, const Target& target,
                                                 const MatmulForm& f) {
  const plan::TensorRef& w = in.operands[f.w];
  const int64_t K = w.shape[1], N = w.shape[0];
  const uint32_t type = w.type;
  constexpr int kBM = 32, kBN = 64, kBK = 32, kThreads = 256;
  KernelSpec k;
  k.name = absl::StrFormat("%s_%s_%dx%d_prefill", absl::AsciiStrToLower(plan::OpcodeName(in.op)),
                           TypeTag(type), K, N);
  k.block = kThreads;
  k.grid_per_tile = 1;
  k.grid_base = 0;
  k.token_tile = kBM;
  k.grid_y = static_cast<uint32_t>((N + kBN - 1) / kBN);
  const bool planes = UsesPlanes(type);
  std::string& b = k.body;
  absl::StrAppend(
      &b,
      KernelComment(in, absl::StrFormat("%s: x[T, %d] * W[%d, %d]^T (%s)%s%s%s, tiled GEMM",
                                        plan::OpcodeName(in.op), K, N, K, TypeTag(type),
                                        f.nw >= 0 ? ", rms_norm prologue" : "",
                                        f.w_up >= 0 ? ", silu(gate) * up" : "",
                                        f.addend >= 0 ? ", + addend" : "")),
      "// block: ", kBM, " tokens x ", kBN, " rows, ", kThreads,
      " threads of 2 x 4 outputs; grid (ceil(T/", kBM, "), ", k.grid_y, ")\n", WaveHelpers(target),
      DeviceQuantCode(), "constexpr i32 K = ", K, ";\n", "constexpr i32 N = ", N, ";\n",
      "constexpr i32 BM = ", kBM, ", BN = ", kBN, ", BK = ", kBK, ";\n",
      "constexpr u64 ROW_BYTES = ", RowBytes(type, K), ";\n");
  if (f.nw >= 0) absl::StrAppend(&b, "constexpr f32 EPS = ", FloatLiteral(f.eps), ";\n");
  // Dequantizes unit u of row n of weight `wv` into `dst[32]`.
  auto dequant = [&](const std::string& wv, const std::string& dst) {
    const quant::GgmlType t = static_cast<quant::GgmlType>(type);
    if (K % kBK != 0) {  // float rows with a partial last unit (quantized rows are whole units)
      return absl::StrCat("      for (i32 i = 0; i < 32; ++i) ", dst, "[i] = 32 * u + i < K ? ",
                          FloatElement(type, absl::StrCat("(", wv, " + (u64)n * K)"), "32 * u + i"),
                          " : 0.0f;\n");
    }
    if (planes && t == quant::GgmlType::kQ8_0) {
      return absl::StrCat("      { const i8* q = (const i8*)(", wv, " + (u64)n * K) + 32 * u;\n",
                          "        const f32 d = rf_half_to_f32(((const u16*)(", wv,
                          " + (u64)N * K))[(u64)n * (K / 32) + u]);\n",
                          "        for (i32 i = 0; i < 32; ++i) ", dst, "[i] = (f32)q[i] * d; }\n");
    }
    if (planes && t == quant::GgmlType::kQ4_0) {
      return absl::StrCat("      { const u8* q = ", wv, " + (u64)n * (K / 2) + 16 * u;\n",
                          "        const f32 d = rf_half_to_f32(((const u16*)(", wv,
                          " + (u64)N * (K / 2)))[(u64)n * (K / 32) + u]);\n",
                          "        for (i32 i = 0; i < 16; ++i) {\n", "          ", dst,
                          "[i] = (f32)((i32)(q[i] & 15) - 8) * d;\n", "          ", dst,
                          "[i + 16] = (f32)((i32)(q[i] >> 4) - 8) * d;\n", "        } }\n");
    }
    return absl::StrCat("      rf_dequant32_", TypeTag(type), "((const u8*)", wv,
                        " + (u64)n * ROW_BYTES, u, ", dst, ");\n");
  };
  const bool up = f.w_up >= 0;
  absl::StrAppend(
      &b, "RF_KERNEL RF_LAUNCH_BOUNDS(", kThreads, ") void ", k.name, "(",
      KernelParams(in, OperandNames(in, f), {"out"}), ") {\n", "  RF_SHARED f32 xs[BM][BK + 1];\n",
      "  RF_SHARED f32 ws[BN][BK + 1];\n", up ? "  RF_SHARED f32 us[BN][BK + 1];\n" : "",
      f.nw >= 0 ? "  RF_SHARED f32 inv_rms[BM];\n" : "", "  const i32 T = step[0];\n",
      "  const i32 m0 = (i32)rf_block_x() * BM;\n", "  const i32 n0 = (i32)rf_block_y() * BN;\n",
      "  const i32 tid = (i32)rf_thread_x();\n", "  if (m0 >= T) return;\n");
  if (f.nw >= 0) {
    absl::StrAppend(&b, "  {  // rms_norm scales of this block's rows: 8 threads per row\n",
                    "    const i32 r = tid / 8, part = tid % 8;\n", "    f32 ss = 0.0f;\n",
                    "    if (m0 + r < T) {\n", "      const f32* xr = x + (u64)(m0 + r) * K;\n",
                    "      for (i32 k = part; k < K; k += 8) ss += xr[k] * xr[k];\n", "    }\n",
                    "    for (i32 o = 4; o > 0; o >>= 1) ss += rf_shfl_xor(ss, o, 8);\n",
                    "    if (part == 0) inv_rms[r] = 1.0f / rf_sqrt(ss / (f32)K + EPS);\n",
                    "    rf_barrier();\n", "  }\n");
  }
  absl::StrAppend(
      &b, "  const i32 tm = tid / 16, tn = tid % 16;\n", "  f32 acc[2][4] = {};\n",
      up ? "  f32 acc_up[2][4] = {};\n" : "", "  for (i32 k0 = 0; k0 < K; k0 += BK) {\n",
      "    for (i32 e = tid; e < BM * BK; e += ", kThreads, ") {\n",
      "      const i32 r = e / BK, c = e % BK, m = m0 + r;\n",
      K % kBK == 0 ? "      f32 v = m < T ? x[(u64)m * K + k0 + c] : 0.0f;\n"
                   : "      f32 v = m < T && k0 + c < K ? x[(u64)m * K + k0 + c] : 0.0f;  // K is "
                     "not a whole number of tiles\n",
      f.nw >= 0 ? (K % kBK == 0 ? "      v = (v * inv_rms[r]) * nw[k0 + c];\n"
                                : "      if (k0 + c < K) v = (v * inv_rms[r]) * nw[k0 + c];\n")
                : "",
      "      xs[r][c] = v;\n", "    }\n", "    if (tid < BN) {\n",
      "      const i32 n = n0 + tid, u = k0 / 32;\n", "      f32 wu[32];\n", "      if (n < N) {\n",
      dequant("w", "wu"), "      } else { for (i32 i = 0; i < 32; ++i) wu[i] = 0.0f; }\n",
      "      for (i32 i = 0; i < 32; ++i) ws[tid][i] = wu[i];\n");
  if (up) {
    absl::StrAppend(&b, "      if (n < N) {\n", dequant("w_up", "wu"),
                    "      } else { for (i32 i = 0; i < 32; ++i) wu[i] = 0.0f; }\n",
                    "      for (i32 i = 0; i < 32; ++i) us[tid][i] = wu[i];\n");
  }
  absl::StrAppend(&b, "    }\n", "    rf_barrier();\n", "    for (i32 kk = 0; kk < BK; ++kk) {\n",
                  "      const f32 a0 = xs[2 * tm][kk], a1 = xs[2 * tm + 1][kk];\n",
                  "      for (i32 j = 0; j < 4; ++j) {\n",
                  "        const f32 wj = ws[tn + 16 * j][kk];\n",
                  "        acc[0][j] += a0 * wj;\n", "        acc[1][j] += a1 * wj;\n");
  if (up) {
    absl::StrAppend(&b, "        const f32 uj = us[tn + 16 * j][kk];\n",
                    "        acc_up[0][j] += a0 * uj;\n", "        acc_up[1][j] += a1 * uj;\n");
  }
  absl::StrAppend(&b, "      }\n", "    }\n", "    rf_barrier();\n", "  }\n",
                  "  for (i32 i = 0; i < 2; ++i) {\n", "    const i32 m = m0 + 2 * tm + i;\n",
                  "    if (m >= T) continue;\n", "    for (i32 j = 0; j < 4; ++j) {\n",
                  "      const i32 n = n0 + tn + 16 * j;\n", "      if (n >= N) continue;\n",
                  "      f32 v = acc[i][j];\n");
  if (up) absl::StrAppend(&b, "      v = v / (1.0f + rf_exp(-v)) * acc_up[i][j];\n");
  if (f.addend >= 0) {
    const bool residual = in.operands[f.addend].shape.size() > 1;
    absl::StrAppend(
        &b, residual ? "      v = v + addend[(u64)m * N + n];\n" : "      v = v + addend[n];\n");
  }
  absl::StrAppend(&b, "      out[(u64)m * N + n] = v;\n", "    }\n", "  }\n", "}\n");
  return std::vector<KernelSpec>{k};
}

}  // namespace

absl::StatusOr<std::vector<KernelSpec>> EmitMatmul(const plan::Instruction& in,
                                                   const Target& target, StepKind kind) {
  const MatmulForm f = FormOf(in);
  const plan::TensorRef& x = in.operands[f.x];
  const bool token_rows = HasTokenDim(x);
  int64_t M = 1;
  for (size_t i = 0; i + 1 < x.shape.size(); ++i) M *= x.shape[i] == plan::kDimT ? 1 : x.shape[i];
  if (kind == StepKind::kDecode || !token_rows) {
    return EmitGemv(in, target, f, M);
  }
  return EmitGemm(in, target, f);
}

}  // namespace rf::codegen
