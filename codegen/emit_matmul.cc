// Kernels for the matmul family: matmul, matmul_add, rms_norm_matmul, matmul_silu_mul,
// rms_norm_matmul_silu_mul, rms_norm_matmul_qkv.
//
// Decode (one token, or any step whose x has a constant row count, such as the logits after
// last_token) is a GEMV and memory-bound: one wave per output row reads the row's weights once,
// with 16-byte loads where the layout allows (q8_0/q4_0 planes, f16, f32), dequantizes in
// registers, multiplies by x (read through the cache: every wave needs all of it) and reduces with
// shuffles. The rms_norm prologue is recomputed per wave from x (a few KB, cached), so no kernel
// writes the normalized x; the epilogue adds a bias or residual, or applies silu(gate) * up.
//
// Prefill (T tokens) is a tiled GEMM over [T, K] x [N, K]^T: x tiles (normalized on load) and
// dequantized weight tiles in LDS; the tile product on the target's matrix unit (mma.sync on
// sm_90, WMMA on gfx11, MFMA on CDNA), else (gfx1030) an FMA micro-tile per thread.
#include <algorithm>

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
  int result = 0;    // which of the instruction's results this kernel writes
  std::string part;  // rms_norm_matmul_qkv's prefill: "_q", "_k" or "_v" in kernel names
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
    case Opcode::kRmsNormMatmulQkv:  // q's part; the GEMV takes k and v from the instruction
      f.nw = 1, f.w = 2, f.addend = in.operands.size() == 8 ? 5 : -1, f.eps = in.floats[0];
      break;
    default:
      break;
  }
  return f;
}

std::vector<std::string> OperandNames(const plan::Instruction& in, const MatmulForm& f) {
  std::vector<std::string> names(in.operands.size());
  for (size_t i = 0; i < names.size(); ++i) names[i] = absl::StrCat("unused", i);
  names[f.x] = "x";
  names[f.w] = "w";
  if (f.nw >= 0) names[f.nw] = "nw";
  if (f.w_up >= 0) names[f.w_up] = "w_up";
  if (f.addend >= 0) names[f.addend] = "addend";
  return names;
}

// The kernel writes result f.result as `out`; any others are parameters it leaves alone.
std::vector<std::string> ResultNames(const plan::Instruction& in, const MatmulForm& f) {
  std::vector<std::string> names(in.results.size());
  for (size_t i = 0; i < names.size(); ++i) {
    names[i] = static_cast<int>(i) == f.result ? "out" : absl::StrCat("unused_out", i);
  }
  return names;
}

// x[k] as the weights see it: normalized when the op has an rms_norm prologue.
std::string XAt(const MatmulForm& f, const std::string& k) {
  if (f.nw < 0) return absl::StrCat("x[", k, "]");
  return absl::StrCat("(x[", k, "] * inv) * nw[", k, "]");
}

// Float weights whose rows are not a whole number of 16-byte loads (e.g. stories260K's ffn_down
// in f16, K = 172) are read element by element by the GEMV.
bool ScalarFloatRows(uint32_t type, int64_t K) {
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  if (t == quant::GgmlType::kF32) return K % 4 != 0;
  if (t == quant::GgmlType::kF16 || t == quant::GgmlType::kBF16) return K % 32 != 0;
  return false;
}

bool IsFloatType(uint32_t type) {
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  return t == quant::GgmlType::kF32 || t == quant::GgmlType::kF16 || t == quant::GgmlType::kBF16;
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

// x4 . (the four bytes of `v` minus `bias`), the inner product of the quantized GEMVs.
std::string Dot4Bytes(const std::string& v, const std::string& bias) {
  return absl::StrFormat(
      "x4.x * rf_byte_to_f32(%1$s, 0, %2$s) + x4.y * rf_byte_to_f32(%1$s, 1, %2$s) + "
      "x4.z * rf_byte_to_f32(%1$s, 2, %2$s) + x4.w * rf_byte_to_f32(%1$s, 3, %2$s)",
      v, bias);
}

// What one lane does for chunk `c` of row `row` of weight `W` (its elements per chunk depend on the
// type: 16 for q8_0 planes, 32 for q4_0 planes and the K formats, 8 for f16, 4 for f32, 1 for
// float rows that do not divide into loads), adding into `ACC`. x comes four floats at a time
// through xq(k); every weight load is 16 bytes where the layout allows.
struct GemvChunk {
  int64_t chunks;  // per row
  std::string body;
};

GemvChunk GemvBody(uint32_t type, int64_t K, const MatmulForm& f, const std::string& W,
                   const std::string& ACC) {
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  if (ScalarFloatRows(type, K)) {
    return {K,
            absl::StrCat("        ", ACC, " += ", XAt(f, "c"), " * ",
                         FloatElement(type, absl::StrCat("(", W, " + (u64)row * K)"), "c"), ";\n")};
  }
  switch (t) {
    case quant::GgmlType::kQ6_K:
      return {
          K / 32,
          absl::StrCat(
              "        {  // q6_K planes: a 32-element unit\n",
              "          const i32 sb = c / 8, s8 = c % 8, h = s8 / 4, g = s8 % 4;\n",
              "          const u8* ql = ", W,
              " + (u64)row * (K / 2) + sb * 128 + 64 * h + ((g & 1) ? 32 : 0);\n",
              "          const u8* qh = ", W,
              " + (u64)N * (K / 2) + (u64)row * (K / 4) + sb * 64 + 32 * h;\n",
              "          const u32x4 l0 = *(const u32x4*)ql, l1 = *(const u32x4*)(ql + 16);\n",
              "          const u32x4 h0 = *(const u32x4*)qh, h1 = *(const u32x4*)(qh + 16);\n",
              "          const u32 lw[8] = {l0.x, l0.y, l0.z, l0.w, l1.x, l1.y, l1.z, l1.w};\n",
              "          const u32 hw[8] = {h0.x, h0.y, h0.z, h0.w, h1.x, h1.y, h1.z, h1.w};\n",
              "          const i8* sc = (const i8*)(", W,
              " + (u64)N * (K / 2) + (u64)N * (K / 4)) + (u64)row * (K / 16) + sb * 16 + 8 * h + 2 "
              "* g;\n",
              "          const f32 d = rf_half_to_f32(((const u16*)(", W,
              " + (u64)N * (K / 2) + (u64)N * (K / 4) + (u64)N * (K / 16)))[(u64)row * (K / 256) + "
              "sb]);\n",
              "          const i32 lshift = 4 * (g >> 1), hshift = 2 * g;\n",
              "          f32 s0 = 0.0f, s1 = 0.0f;\n", "          for (i32 j = 0; j < 8; ++j) {\n",
              "            const u32 qv = ((lw[j] >> lshift) & 0x0f0f0f0fu) | (((hw[j] >> hshift) "
              "& 0x03030303u) << 4);\n",
              "            const f32x4 x4 = xq(32 * c + 4 * j);\n",
              "            const f32 v = ", Dot4Bytes("qv", "32.0f"), ";\n",
              "            if (j < 4) s0 += v; else s1 += v;\n", "          }\n", "          ", ACC,
              " += d * ((f32)sc[0] * s0 + (f32)sc[1] * s1);\n", "        }\n")};
    case quant::GgmlType::kQ4_K:
      return {K / 32,
              absl::StrCat(
                  "        {  // q4_K: a 32-element unit of a 144-byte super-block\n",
                  "          const u8* b = ", W, " + (u64)row * ROW_BYTES + 144 * (c / 8);\n",
                  "          const i32 s8 = c % 8;\n",
                  "          const u8* q = b + 16 + 32 * (s8 / 2);\n",
                  "          const u32x4 q0 = *(const u32x4*)q, q1 = *(const u32x4*)(q + 16);\n",
                  "          const u32 qw[8] = {q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w};\n",
                  "          i32 sc, m;\n", "          rf_scale_min_k4(s8, b + 4, &sc, &m);\n",
                  "          const f32 dl = rf_half_to_f32((u16)rf_load_u16(b)) * (f32)sc;\n",
                  "          const f32 ml = rf_half_to_f32((u16)rf_load_u16(b + 2)) * (f32)m;\n",
                  "          const i32 shift = 4 * (s8 % 2);\n",
                  "          f32 s = 0.0f, xs_sum = 0.0f;\n",
                  "          for (i32 j = 0; j < 8; ++j) {\n",
                  "            const u32 w = (qw[j] >> shift) & 0x0f0f0f0fu;\n",
                  "            const f32x4 x4 = xq(32 * c + 4 * j);\n",
                  "            s += ", Dot4Bytes("w", "0.0f"), ";\n",
                  "            xs_sum += x4.x + x4.y + x4.z + x4.w;\n", "          }\n",
                  "          ", ACC, " += dl * s - ml * xs_sum;\n", "        }\n")};
    default:
      break;
  }
  return {K / 32,
          absl::StrCat("        {  // ", TypeTag(type), ": a 32-element unit in GGUF layout\n",
                       "          f32 wu[32];\n", "          rf_dequant32_", TypeTag(type),
                       "((const u8*)", W, " + (u64)row * ROW_BYTES, c, wu);\n",
                       "          for (i32 j = 0; j < 8; ++j) {\n",
                       "            const f32x4 x4 = xq(32 * c + 4 * j);\n", "            ", ACC,
                       " += x4.x * wu[4 * j] + x4.y * wu[4 * j + 1] + x4.z * wu[4 * j + 2] + x4.w "
                       "* wu[4 * j + 3];\n",
                       "          }\n", "        }\n")};
}

// The fast GEMV types (q8_0 and q4_0 planes, f16, f32) split a lane's chunk into a 16-byte load
// (plus the block's f16 scale) and the math on it, so that the loads can be issued iterations
// ahead of the math: AHEAD iterations of all R rows are in flight, the first AHEAD issued before
// the rms_norm prologue and the staging of x, which they overlap. How many loads to keep in flight
// was measured (perf/NOTES.md, v10): 4 per lane beat 2, 3, 6, 8 and 16; more registers per thread
// cost more than the extra loads gained.
struct PipelinedChunk {
  int64_t chunks = 0;     // per row
  const char* slot = "";  // the register type one load fills
  bool scaled = false;    // a per-block f16 scale rides along (raw bits in a u32)
  std::string load;       // fills `q` (and `d`) for chunk cl of row `row` of W
  std::string math;       // adds chunk c's product with x, from `q` (and `d`), to ACC
};

bool Pipelined(uint32_t type, int64_t K) {
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  if (ScalarFloatRows(type, K)) return false;
  return t == quant::GgmlType::kQ8_0 || t == quant::GgmlType::kQ4_0 || t == quant::GgmlType::kF16 ||
         t == quant::GgmlType::kF32;
}

PipelinedChunk PipelinedBody(uint32_t type, int64_t K, const std::string& W,
                             const std::string& ACC) {
  PipelinedChunk p;
  switch (static_cast<quant::GgmlType>(type)) {
    case quant::GgmlType::kQ8_0:  // planes: 16 quants per chunk, two chunks per block
      p.chunks = K / 16, p.slot = "u32x4", p.scaled = true;
      p.load =
          absl::StrCat("q = *(const u32x4*)(", W, " + (u64)row * K + 16 * cl); ",
                       "d = ((const u16*)(", W, " + (u64)N * K))[(u64)row * (K / 32) + cl / 2];");
      p.math = absl::StrCat(
          "        {  // q8_0: 16 quants\n", "          const u32 qw[4] = {q.x, q.y, q.z, q.w};\n",
          "          f32 s = 0.0f;\n", "          for (i32 j = 0; j < 4; ++j) {\n",
          "            const f32x4 x4 = xq(16 * c + 4 * j);\n",
          "            const u32 w = qw[j] ^ 0x80808080u;  // i8 + 128\n",
          "            s += ", Dot4Bytes("w", "128.0f"), ";\n", "          }\n", "          ", ACC,
          " += s * rf_half_to_f32((u16)d);\n", "        }\n");
      break;
    case quant::GgmlType::kQ4_0:  // planes: one block of 32 per chunk
      p.chunks = K / 32, p.slot = "u32x4", p.scaled = true;
      p.load =
          absl::StrCat("q = *(const u32x4*)(", W, " + (u64)row * (K / 2) + 16 * cl); ",
                       "d = ((const u16*)(", W, " + (u64)N * (K / 2)))[(u64)row * (K / 32) + cl];");
      p.math = absl::StrCat(
          "        {  // q4_0: one block of 32\n",
          "          const u32 qw[4] = {q.x, q.y, q.z, q.w};\n", "          f32 s = 0.0f;\n",
          "          for (i32 j = 0; j < 4; ++j) {\n",
          "            const u32 lo = qw[j] & 0x0f0f0f0fu, hi = (qw[j] >> 4) & 0x0f0f0f0fu;\n",
          "            f32x4 x4 = xq(32 * c + 4 * j);\n",
          "            s += ", Dot4Bytes("lo", "8.0f"), ";\n",
          "            x4 = xq(32 * c + 16 + 4 * j);\n",
          "            s += ", Dot4Bytes("hi", "8.0f"), ";\n", "          }\n", "          ", ACC,
          " += s * rf_half_to_f32((u16)d);\n", "        }\n");
      break;
    case quant::GgmlType::kF16:  // 8 halves per chunk
      p.chunks = K / 8, p.slot = "u32x4";
      p.load = absl::StrCat("q = *(const u32x4*)(", W, " + (u64)row * K + 8 * cl);");
      p.math = absl::StrCat(
          "        {  // f16: 8 halves\n", "          const u32 qw[4] = {q.x, q.y, q.z, q.w};\n",
          "          for (i32 j = 0; j < 2; ++j) {\n",
          "            const f32x4 x4 = xq(8 * c + 4 * j);\n",
          "            const u32 a = qw[2 * j], b = qw[2 * j + 1];\n", "            ", ACC,
          " += x4.x * rf_half_to_f32((u16)a) + x4.y * rf_half_to_f32((u16)(a >> 16)) +\n",
          "                   x4.z * rf_half_to_f32((u16)b) + x4.w * rf_half_to_f32((u16)(b >> "
          "16));\n",
          "          }\n", "        }\n");
      break;
    default:  // f32: 4 floats per chunk
      p.chunks = K / 4, p.slot = "f32x4";
      p.load = absl::StrCat("q = *(const f32x4*)(", W, " + (u64)row * K + 4 * cl);");
      p.math = absl::StrCat(
          "        {  // f32: 4 floats\n", "          const f32x4 x4 = xq(4 * c);\n", "          ",
          ACC, " += x4.x * q.x + x4.y * q.y + x4.z * q.z + x4.w * q.w;\n", "        }\n");
      break;
  }
  return p;
}

// Weights in flight per lane: this many 16-byte loads (R rows, and the up projection's rows,
// share them; at least one iteration).
constexpr int kLoadsInFlight = 4;

// The loads of chunk cl of row `row` into slot `slot` (of the gate and, if any, up weights).
std::string PipelineLoad(uint32_t type, int64_t K, const MatmulForm& f, const std::string& slot) {
  auto one = [&](const std::string& wname, const char* qa, const char* da) {
    const PipelinedChunk p = PipelinedBody(type, K, wname, "");
    return absl::StrCat("        { ", p.slot, "& q = ", qa, "[", slot, "][r]; ",
                        p.scaled ? absl::StrCat("u32& d = ", da, "[", slot, "][r]; ") : "", p.load,
                        " }\n");
  };
  std::string s = one("w", "wq", "wd");
  if (f.w_up >= 0) absl::StrAppend(&s, one("w_up", "uq", "ud"));
  return s;
}

// Declares the load slots and issues the first AHEAD iterations' loads (before the prologue).
std::string PipelineIssue(uint32_t type, int64_t K, const MatmulForm& f, int rows_per_wave,
                          int wave) {
  const PipelinedChunk gate = PipelinedBody(type, K, "w", "acc[r]");
  const int64_t iters = (gate.chunks + wave - 1) / wave;
  const int64_t mats = f.w_up >= 0 ? 2 : 1;
  const int64_t ahead = std::clamp<int64_t>(kLoadsInFlight / (rows_per_wave * mats), 1, iters);
  std::string s = absl::StrCat(
      "  // weights in flight per lane: AHEAD iterations of R rows, the first issued before the\n",
      "  // prologue so that the loads overlap it\n", "  constexpr i32 CHUNKS = ", gate.chunks,
      ", ITERS = ", iters, ", AHEAD = ", ahead, ";\n", "  ", gate.slot, " wq[AHEAD][R];\n",
      gate.scaled ? "  u32 wd[AHEAD][R];\n" : "");
  if (f.w_up >= 0) {
    absl::StrAppend(&s, "  ", gate.slot, " uq[AHEAD][R];\n",
                    gate.scaled ? "  u32 ud[AHEAD][R];\n" : "");
  }
  absl::StrAppend(&s, "#pragma unroll\n", "  for (i32 it = 0; it < AHEAD; ++it) {\n",
                  "#pragma unroll\n", "    for (i32 r = 0; r < R; ++r) {\n",
                  "      const i32 cl = lane + it * WAVE, row = row0 + r;\n",
                  "      if (cl < CHUNKS && row < N) {\n", PipelineLoad(type, K, f, "it"),
                  "      }\n", "    }\n", "  }\n");
  return s;
}

// The math over ITERS iterations; each consumed slot is refilled with the chunk AHEAD iterations
// later, so that AHEAD iterations stay in flight.
std::string PipelineLoop(uint32_t type, int64_t K, const MatmulForm& f) {
  const PipelinedChunk gate = PipelinedBody(type, K, "w", "acc[r]");
  auto use = [&](const PipelinedChunk& p, const char* qa, const char* da) {
    return absl::StrCat("        {\n", "        const ", p.slot, " q = ", qa, "[slot][r];\n",
                        p.scaled ? absl::StrCat("        const u32 d = ", da, "[slot][r];\n") : "",
                        p.math, "        }\n");
  };
  std::string s =
      absl::StrCat("#pragma unroll\n", "  for (i32 it = 0; it < ITERS; ++it) {\n",
                   "    const i32 c = lane + it * WAVE, slot = it % AHEAD;\n", "#pragma unroll\n",
                   "    for (i32 r = 0; r < R; ++r) {\n", "      const i32 row = row0 + r;\n",
                   "      if (c < CHUNKS && row < N) {\n", use(gate, "wq", "wd"));
  if (f.w_up >= 0)
    absl::StrAppend(&s, use(PipelinedBody(type, K, "w_up", "acc_up[r]"), "uq", "ud"));
  absl::StrAppend(&s, "        const i32 cl = c + AHEAD * WAVE;  // refill the slot\n",
                  "        if (it + AHEAD < ITERS && cl < CHUNKS) {\n",
                  PipelineLoad(type, K, f, "slot"), "        }\n", "      }\n", "    }\n", "  }\n");
  return s;
}

// The GEMV loop: each lane walks its chunks of the wave's R rows (row0 .. row0 + R - 1), the
// rows' loads independent of each other so they are in flight together.
std::string GemvLoop(uint32_t type, int64_t K, const MatmulForm& f) {
  const GemvChunk gate = GemvBody(type, K, f, "w", "acc[r]");
  std::string s =
      absl::StrCat("  for (i32 c = lane; c < ", gate.chunks, "; c += WAVE) {\n", "#pragma unroll\n",
                   "    for (i32 r = 0; r < R; ++r) {\n", "      const i32 row = row0 + r;\n",
                   "      if (row < N) {\n", gate.body);
  if (f.w_up >= 0) absl::StrAppend(&s, GemvBody(type, K, f, "w_up", "acc_up[r]").body);
  absl::StrAppend(&s, "      }\n", "    }\n", "  }\n");
  return s;
}

absl::StatusOr<std::vector<KernelSpec>> EmitGemv(const plan::Instruction& in, const Target& target,
                                                 const MatmulForm& f, int64_t M) {
  const plan::TensorRef& w = in.operands[f.w];
  // rms_norm_matmul_qkv: one GEMV over the rows of three matrices (w = q's; k's and v's follow),
  // each block within one of them.
  const bool qkv = in.op == Opcode::kRmsNormMatmulQkv;
  const int64_t K = w.shape[1];
  const int64_t N =
      qkv ? in.operands[2].shape[0] + in.operands[3].shape[0] + in.operands[4].shape[0]
          : w.shape[0];
  const uint32_t type = w.type;
  if (M != 1) {
    return absl::UnimplementedError(absl::StrCat("a GEMV over ", M, " rows (only 1 is emitted)"));
  }
  // x is staged once per block in LDS (normalized there when the op has an rms_norm prologue),
  // when it fits; each wave then computes one output row from LDS x and its weights.
  // 8 waves per block share one staged copy of x; with long rows each wave computes R rows (their
  // loads in flight together), 2 while there is still about a block per compute unit: staging x
  // costs K * 4 bytes of cache traffic per block, so rows per block must be many. R = 4 made the
  // silu(gate) * up GEMV need more than 128 registers (spills; 7B decode 275 vs 350 tok/s).
  const int waves = 256 / target.wave_size > 0 ? 256 / target.wave_size : 1;
  int rows_per_wave = 1;
  // Very tall matrices (the logits' GEMV) take 2 rows per wave at any K: half the blocks, so half
  // the staging of x.
  while ((K >= 2048 || N >= 64 * waves * target.compute_units) && rows_per_wave < 2 &&
         N >= waves * rows_per_wave * 2 * target.compute_units / 2) {
    rows_per_wave *= 2;
  }
  const int64_t staged_floats = (K + 31) / 32 * 32;  // whole 32-float groups, for the swizzle
  const bool stage = K % 4 == 0 && staged_floats * 4 + 256 <= target.lds_bytes;
  KernelSpec k;
  const int64_t rows_per_block = waves * rows_per_wave;
  std::string shape = absl::StrCat(K, "x", N);
  std::string select_part;  // qkv: the block's matrix, its rows, output and bias
  if (qkv) {
    const int64_t nq = in.operands[2].shape[0], nk = in.operands[3].shape[0],
                  nv = in.operands[4].shape[0];
    const int64_t bq = (nq + rows_per_block - 1) / rows_per_block,
                  bk = (nk + rows_per_block - 1) / rows_per_block,
                  bv = (nv + rows_per_block - 1) / rows_per_block;
    shape = absl::StrCat(K, "x", nq, "_", nk, "_", nv);
    k.grid_base = static_cast<uint32_t>(bq + bk + bv);
    const bool bias = in.operands.size() == 8;
    select_part = absl::StrCat(
        "  // the block's matrix: blocks [0, ", bq, ") take q's rows, [", bq, ", ", bq + bk,
        ") k's, the rest v's\n", "  i32 blk = (i32)rf_block_x();\n", "  auto w = w_q;\n",
        "  auto out = out_q;\n", bias ? "  auto addend = b_q;\n" : "", "  i32 N = ", nq, ";\n",
        "  if (blk >= ", bq + bk, ") {\n", "    blk -= ", bq + bk,
        ", w = w_v, out = out_v, N = ", nv, bias ? ", addend = b_v" : "", ";\n",
        "  } else if (blk >= ", bq, ") {\n", "    blk -= ", bq, ", w = w_k, out = out_k, N = ", nk,
        bias ? ", addend = b_k" : "", ";\n", "  }\n",
        "  const i32 row0 = (blk * WAVES + tid / WAVE) * R;\n");
  } else {
    k.grid_base = static_cast<uint32_t>((N + rows_per_block - 1) / rows_per_block);
  }
  k.name = absl::StrFormat("%s_%s_%s_decode", absl::AsciiStrToLower(plan::OpcodeName(in.op)),
                           TypeTag(type), shape);
  std::vector<std::string> operand_names = OperandNames(in, f), result_names = ResultNames(in, f);
  if (qkv) {
    operand_names = {"x", "nw", "w_q", "w_k", "w_v", "b_q", "b_k", "b_v"};
    operand_names.resize(in.operands.size());
    result_names = {"out_q", "out_k", "out_v"};
  }
  k.block = static_cast<uint32_t>(waves * target.wave_size);
  std::string& b = k.body;
  absl::StrAppend(
      &b,
      KernelComment(
          in, absl::StrFormat("%s: x[1, %d] * W[%d, %d]^T (%s)%s%s%s", plan::OpcodeName(in.op), K,
                              N, K, TypeTag(type), f.nw >= 0 ? ", rms_norm prologue" : "",
                              f.w_up >= 0 ? ", silu(gate) * up" : "",
                              f.addend >= 0 ? ", + addend" : "")),
      "// ", rows_per_wave, " output row(s) per wave, ", waves, " waves per block of ", k.block,
      " threads", stage ? "; x staged in LDS once per block" : "", "\n", WaveHelpers(target),
      Pipelined(type, K) || ScalarFloatRows(type, K) ? "" : DeviceQuantCode(),
      "constexpr i32 K = ", K, ";\n", qkv ? "" : absl::StrCat("constexpr i32 N = ", N, ";\n"),
      "constexpr i32 WAVES = ", waves, ", NT = WAVES * WAVE, R = ", rows_per_wave, ";\n",
      "constexpr u64 ROW_BYTES = ", RowBytes(type, K), ";\n");
  if (f.nw >= 0) absl::StrAppend(&b, "constexpr f32 EPS = ", FloatLiteral(f.eps), ";\n");
  absl::StrAppend(
      &b, "RF_KERNEL RF_LAUNCH_BOUNDS(", k.block, ") void ", k.name, "(",
      KernelParams(in, operand_names, result_names), ") {\n",
      stage ? absl::StrCat("  RF_SHARED f32 xs[", staged_floats, "];\n") : "",
      "  RF_SHARED f32 red[WAVES];\n", "  const i32 tid = (i32)rf_thread_x(), lane = tid % WAVE;\n",
      qkv ? select_part : "  const i32 row0 = ((i32)rf_block_x() * WAVES + tid / WAVE) * R;\n");
  const bool pipelined = Pipelined(type, K);
  if (pipelined) absl::StrAppend(&b, PipelineIssue(type, K, f, rows_per_wave, target.wave_size));
  const char* kBlockScale =
      "  ss = wave_sum(ss);\n"
      "  if (lane == 0) red[tid / WAVE] = ss;\n"
      "  rf_barrier();\n"
      "  ss = 0.0f;\n"
      "  for (i32 w = 0; w < WAVES; ++w) ss += red[w];\n"
      "  const f32 inv = 1.0f / rf_sqrt(ss / (f32)K + EPS);\n";
  if (f.nw >= 0 && !stage) {
    absl::StrAppend(&b, "  f32 ss = 0.0f;  // the rms_norm scale of x, once per block\n",
                    K % 4 == 0 ? "  for (i32 k = 4 * tid; k < K; k += 4 * NT) {\n"
                                 "    const f32x4 v = *(const f32x4*)(x + k);\n"
                                 "    ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;\n"
                                 "  }\n"
                               : "  for (i32 k = tid; k < K; k += NT) ss += x[k] * x[k];\n",
                    kBlockScale);
  }
  if (stage) {
    // A wave's lanes read chunks 64 or 128 bytes apart, which in a plain layout fall into the
    // same 4 of the 32 banks (an 8-way conflict on every 16-byte LDS read, which bounded the q4_0
    // GEMV at K = 4096): the 16-byte slot j of each 32-float group g is stored at slot
    // j ^ (g % 8), the XOR swizzle of CUTLASS's shared-memory layouts.
    absl::StrAppend(
        &b,
        "  auto xs_at = [](i32 k) { return (k & ~31) | ((((k >> 2) ^ (k >> 5)) & 7) << 2); };\n");
    if (f.nw >= 0) {
      // One pass over x in global memory: x goes to LDS as it is while its sum of squares
      // accumulates and the thread keeps its pieces of nw in registers; the scale is applied in
      // LDS once the block's sum is known (reading x a second time from global memory put an
      // L2 round trip into every normed GEMV's prologue).
      absl::StrAppend(
          &b, "  constexpr i32 XI = (K / 4 + NT - 1) / NT;  // 4-float pieces of x per thread\n",
          "  f32x4 gv[XI];\n", "  f32 ss = 0.0f;  // the rms_norm scale of x, once per block\n",
          "#pragma unroll\n", "  for (i32 i = 0; i < XI; ++i) {\n",
          "    const i32 k = 4 * (tid + i * NT);\n", "    if (k < K) {\n",
          "      const f32x4 v = *(const f32x4*)(x + k);\n",
          "      gv[i] = *(const f32x4*)(nw + k);\n",
          "      ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;\n",
          "      *(f32x4*)(xs + xs_at(k)) = v;\n", "    }\n", "  }\n", kBlockScale,
          "#pragma unroll\n", "  for (i32 i = 0; i < XI; ++i) {\n",
          "    const i32 k = 4 * (tid + i * NT);\n", "    if (k < K) {\n",
          "      f32x4* p = (f32x4*)(xs + xs_at(k));\n", "      const f32x4 v = *p, g = gv[i];\n",
          "      *p = f32x4{(v.x * inv) * g.x, (v.y * inv) * g.y, (v.z * inv) * g.z, (v.w * inv) * "
          "g.w};\n",
          "    }\n", "  }\n");
    } else {
      absl::StrAppend(&b, "  for (i32 k = 4 * tid; k < K; k += 4 * NT) {\n",
                      "    *(f32x4*)(xs + xs_at(k)) = *(const f32x4*)(x + k);\n", "  }\n");
    }
    absl::StrAppend(&b, "  rf_barrier();\n", "  // x[k..k+3] as the weights see it\n",
                    "  auto xq = [&](i32 k) { return *(const f32x4*)(xs + xs_at(k)); };\n");
  } else if (K % 4 == 0) {
    absl::StrAppend(
        &b, "  // x[k..k+3] as the weights see it\n",
        f.nw >= 0 ? "  auto xq = [&](i32 k) {\n"
                    "    const f32x4 v = *(const f32x4*)(x + k), g = *(const f32x4*)(nw + k);\n"
                    "    return f32x4{(v.x * inv) * g.x, (v.y * inv) * g.y, (v.z * inv) * g.z, "
                    "(v.w * inv) * g.w};\n"
                    "  };\n"
                  : "  auto xq = [&](i32 k) { return *(const f32x4*)(x + k); };\n");
  }
  absl::StrAppend(&b, "  if (row0 >= N) return;\n", "  f32 acc[R] = {};\n",
                  f.w_up >= 0 ? "  f32 acc_up[R] = {};\n" : "",
                  pipelined ? PipelineLoop(type, K, f) : GemvLoop(type, K, f));
  absl::StrAppend(&b, "#pragma unroll\n", "  for (i32 r = 0; r < R; ++r) {\n",
                  "    f32 v = wave_sum(acc[r]);\n");
  if (f.w_up >= 0) absl::StrAppend(&b, "    const f32 u = wave_sum(acc_up[r]);\n");
  absl::StrAppend(&b, "    const i32 row = row0 + r;\n",
                  "    if (lane != 0 || row >= N) continue;\n");
  if (f.w_up >= 0) absl::StrAppend(&b, "    v = v / (1.0f + rf_exp(-v)) * u;\n");
  if (f.addend >= 0) absl::StrAppend(&b, "    v = v + addend[row];\n");
  absl::StrAppend(&b, "    out[row] = v;\n", "  }\n", "}\n");
  return std::vector<KernelSpec>{k};
}

// Code that dequantizes unit u (32 elements) of row n of an [N, K] weight `wv` of `type`, as laid
// out in a GPU plan, into f32 `dst[32]`.
std::string DequantUnitCode(uint32_t type, int64_t K, const std::string& wv,
                            const std::string& dst) {
  const bool planes = UsesPlanes(type);
  const quant::GgmlType t = static_cast<quant::GgmlType>(type);
  if (IsFloatType(type) && K % 32 != 0) {  // a partial last unit: no reads past the row's end
    return absl::StrCat("      for (i32 i = 0; i < 32; ++i) ", dst, "[i] = 32 * u + i < K ? ",
                        FloatElement(type, absl::StrCat("(", wv, " + (u64)n * K)"), "32 * u + i"),
                        " : 0.0f;\n");
  }
  if (planes && t == quant::GgmlType::kQ8_0) {
    return absl::StrCat(
        "      { const u32x4* q = (const u32x4*)(", wv, " + (u64)n * K + 32 * u);\n",
        "        const u32x4 q0 = q[0], q1 = q[1];\n",
        "        const u32 qw[8] = {q0.x, q0.y, q0.z, q0.w, q1.x, q1.y, q1.z, q1.w};\n",
        "        const f32 d = rf_half_to_f32(((const u16*)(", wv,
        " + (u64)N * K))[(u64)n * (K / 32) + u]);\n", "        for (i32 i = 0; i < 8; ++i) {\n",
        "          const u32 v = qw[i] ^ 0x80808080u;  // i8 + 128\n",
        "          for (i32 j = 0; j < 4; ++j) ", dst,
        "[4 * i + j] = rf_byte_to_f32(v, j, 128.0f) * d;\n", "        } }\n");
  }
  if (planes && t == quant::GgmlType::kQ6_K) {
    return absl::StrCat("      rf_dequant32_q6_k_planes(", wv, ", N, K, n, u, ", dst, ");\n");
  }
  if (planes && t == quant::GgmlType::kQ4_0) {
    return absl::StrCat(
        "      { const u32x4 q = *(const u32x4*)(", wv, " + (u64)n * (K / 2) + 16 * u);\n",
        "        const u32 qw[4] = {q.x, q.y, q.z, q.w};\n",
        "        const f32 d = rf_half_to_f32(((const u16*)(", wv,
        " + (u64)N * (K / 2)))[(u64)n * (K / 32) + u]);\n",
        "        for (i32 i = 0; i < 4; ++i) {\n",
        "          const u32 lo = qw[i] & 0x0f0f0f0fu, hi = (qw[i] >> 4) & 0x0f0f0f0fu;\n",
        "          for (i32 j = 0; j < 4; ++j) {\n", "            ", dst,
        "[4 * i + j] = rf_byte_to_f32(lo, j, 8.0f) * d;\n", "            ", dst,
        "[16 + 4 * i + j] = rf_byte_to_f32(hi, j, 8.0f) * d;\n", "          }\n", "        } }\n");
  }
  return absl::StrCat("      rf_dequant32_", TypeTag(type), "((const u8*)", wv,
                      " + (u64)n * ROW_BYTES, u, ", dst, ");\n");
}

// The FMA-tiled GEMM: BM tokens x BN rows per block of 256 threads, each thread 2 x 4 outputs.
absl::StatusOr<std::vector<KernelSpec>> EmitGemm(const plan::Instruction& in, const Target& target,
                                                 const MatmulForm& f) {
  const plan::TensorRef& w = in.operands[f.w];
  const int64_t K = w.shape[1], N = w.shape[0];
  const uint32_t type = w.type;
  constexpr int kBM = 32, kBN = 64, kBK = 32, kThreads = 256;
  KernelSpec k;
  k.name = absl::StrFormat("%s%s_%s_%dx%d_prefill", absl::AsciiStrToLower(plan::OpcodeName(in.op)),
                           f.part, TypeTag(type), K, N);
  k.block = kThreads;
  k.grid_per_tile = 1;
  k.grid_base = 0;
  k.token_tile = kBM;
  k.grid_y = static_cast<uint32_t>((N + kBN - 1) / kBN);
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

  const bool up = f.w_up >= 0;
  absl::StrAppend(&b, "RF_KERNEL RF_LAUNCH_BOUNDS(", kThreads, ") void ", k.name, "(",
                  KernelParams(in, OperandNames(in, f), ResultNames(in, f)), ") {\n",
                  "  RF_SHARED f32 xs[BM][BK + 1];\n", "  RF_SHARED f32 ws[BN][BK + 1];\n",
                  up ? "  RF_SHARED f32 us[BN][BK + 1];\n" : "",
                  f.nw >= 0 ? "  RF_SHARED f32 inv_rms[BM];\n" : "", "  const i32 T = step[0];\n",
                  "  const i32 m0 = (i32)rf_block_x() * BM;\n",
                  "  const i32 n0 = (i32)rf_block_y() * BN;\n",
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
      DequantUnitCode(type, K, "w", "wu"),
      "      } else { for (i32 i = 0; i < 32; ++i) wu[i] = 0.0f; }\n",
      "      for (i32 i = 0; i < 32; ++i) ws[tid][i] = wu[i];\n");
  if (up) {
    absl::StrAppend(&b, "      if (n < N) {\n", DequantUnitCode(type, K, "w_up", "wu"),
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

// The tensor-core GEMM: a block of 128 threads computes 64 tokens x 64 rows; the x tile
// (normalized, f16) and the dequantized weight tile (f16) are staged in LDS with rows padded by 8
// halves, so fragment loads spread over the banks; each wave multiplies its part with the
// target's matrix instruction in f32 accumulators:
//   sm_90    4 waves of 32, a 32 x 32 quarter each: mma.sync.m16n8k16 (2 x 4 tiles)
//            -- PTX ISA "mma.m16n8k16" fragments
//   gfx1100  4 waves of 32, a 32 x 32 quarter each: v_wmma_f32_16x16x16_f16 (2 x 2 tiles)
//            -- AMD "RDNA 3 WMMA" fragments
//   gfx90a/gfx942  2 waves of 64, a 64 x 32 half each: v_mfma_f32_16x16x16f16 (4 x 2 tiles)
//            -- AMD CDNA ISA / matrix instruction calculator fragments
// Inputs are rounded to f16 (the weights' own precision for f16/q8_0 scales; ~1e-3 relative for
// activations), as llama.cpp's cuBLAS/MMQ paths do.
absl::StatusOr<std::vector<KernelSpec>> EmitGemmMatrix(const plan::Instruction& in,
                                                       const Target& target, const MatmulForm& f,
                                                       int64_t max_batch) {
  const plan::TensorRef& w = in.operands[f.w];
  const int64_t K = w.shape[1], N = w.shape[0];
  const uint32_t type = w.type;
  const bool nvidia = target.matrix == MatrixUnit::kMmaSm80;
  const bool cdna = target.matrix == MatrixUnit::kMfma;
  const bool up = f.w_up >= 0;
  KernelSpec k;
  k.name =
      absl::StrFormat("%s%s_%s_%dx%d_prefill_%s", absl::AsciiStrToLower(plan::OpcodeName(in.op)),
                      f.part, TypeTag(type), K, N, nvidia ? "mma" : (cdna ? "mfma" : "wmma"));
  k.block = 128;
  k.grid_per_tile = 1;
  k.grid_base = 0;
  k.token_tile = 64;
  k.grid_y = static_cast<uint32_t>((N + 63) / 64);
  std::string& b = k.body;
  absl::StrAppend(
      &b,
      KernelComment(
          in, absl::StrFormat("%s: x[T, %d] * W[%d, %d]^T (%s)%s%s%s on the matrix unit "
                              "(%s)",
                              plan::OpcodeName(in.op), K, N, K, TypeTag(type),
                              f.nw >= 0 ? ", rms_norm prologue" : "", up ? ", silu(gate) * up" : "",
                              f.addend >= 0 ? ", + addend" : "", MatrixUnitName(target.matrix))),
      cdna ? "// block: 64 tokens x 64 rows, 2 waves of 64 x 32; grid (ceil(T/64), "
           : "// block: 64 tokens x 64 rows, 4 waves of 32 x 32; grid (ceil(T/64), ",
      k.grid_y, ")\n", WaveHelpers(target), DeviceQuantCode(), "constexpr i32 K = ", K, ";\n",
      "constexpr i32 N = ", N, ";\n",
      // Deeper K steps mean fewer barriers per multiply; the LDS (3 tiles with silu * up) bounds
      // it.
      absl::StrFormat(
          "constexpr i32 BM = 64, BN = 64, BK = %d, LDS_ROW = BK + 8, UNITS = BK / 32;\n",
          K % 128 == 0 && !up ? 128 : (K % 64 == 0 ? 64 : 32)),
      "constexpr u64 ROW_BYTES = ", RowBytes(type, K), ";\n");
  if (f.nw >= 0) absl::StrAppend(&b, "constexpr f32 EPS = ", FloatLiteral(f.eps), ";\n");
  absl::StrAppend(&b, "RF_KERNEL RF_LAUNCH_BOUNDS(128) void ", k.name, "(",
                  KernelParams(in, OperandNames(in, f), ResultNames(in, f)), ") {\n",
                  "  RF_SHARED u16 xs[BM * LDS_ROW];\n", "  RF_SHARED u16 ws[BN * LDS_ROW];\n",
                  up ? "  RF_SHARED u16 us[BN * LDS_ROW];\n" : "", "  const i32 T = step[0];\n",
                  "  const i32 m0 = (i32)rf_block_x() * BM;\n",
                  "  const i32 n0 = (i32)rf_block_y() * BN;\n",
                  "  const i32 tid = (i32)rf_thread_x(), lane = tid % WAVE, wave = tid / WAVE;\n",
                  "  if (m0 >= T) return;\n");
  const char* accumulators = nvidia ? "[2][4][4] = {};\n"
                             : cdna ? "[4][2] = {};\n"
                                    : "[2][2] = {};\n";
  const char* acc_type = nvidia ? "f32" : (cdna ? "rf_float4" : "rf_float8");
  absl::StrAppend(
      &b,
      cdna ? "  const i32 wm = 0, wn = wave * 32;\n"
           : "  const i32 wm = (wave / 2) * 32, wn = (wave % 2) * 32;\n",
      "  ", acc_type, " acc", accumulators,
      up ? absl::StrCat("  ", acc_type, " acc_up", accumulators) : "",
      "  for (i32 k0 = 0; k0 < K; k0 += BK) {\n",
      "    for (i32 e = tid; e < BM * (BK / 4); e += 128) {  // x tile, 4 values a thread\n",
      "      const i32 r = e / (BK / 4), c = 4 * (e % (BK / 4)), m = m0 + r;\n");
  if (f.nw >= 0) {
    // x normalized and rounded to f16 once per token by the kernel before (workspace).
    absl::StrAppend(&b, "      u32x2 h = {0u, 0u};\n",
                    "      if (m < T && k0 + c < K) h = *(const u32x2*)((const u16*)workspace + "
                    "(u64)m * K + k0 + c);\n",
                    "      u32* dst = (u32*)(xs + r * LDS_ROW + c);\n", "      dst[0] = h.x;\n",
                    "      dst[1] = h.y;\n", "    }\n");
  } else {
    absl::StrAppend(
        &b, "      f32x4 v = {0.0f, 0.0f, 0.0f, 0.0f};\n",
        "      if (m < T && k0 + c < K) v = *(const f32x4*)(x + (u64)m * K + k0 + c);\n",
        "      u32* dst = (u32*)(xs + r * LDS_ROW + c);\n",
        "      dst[0] = rf_pack_half2(v.x, v.y);\n", "      dst[1] = rf_pack_half2(v.z, v.w);\n",
        "    }\n");
  }
  absl::StrAppend(&b,
                  "    // weight tiles: BN rows x UNITS units of 32 (x2 with silu * up), spread "
                  "over all threads\n",
                  "    for (i32 e = tid; e < BN * UNITS", up ? " * 2" : "", "; e += 128) {\n",
                  "      const i32 tile = e / (BN * UNITS), rem = e % (BN * UNITS);\n",
                  "      const i32 row = rem / UNITS, uu = rem % UNITS;\n",
                  "      const i32 n = n0 + row, u = k0 / 32 + uu;\n", "      f32 wu[32];\n",
                  "      (void)tile;\n", "      if (n < N) {\n");
  if (up) {
    absl::StrAppend(&b, "        if (tile == 0) {\n", DequantUnitCode(type, K, "w", "wu"),
                    "        } else {\n", DequantUnitCode(type, K, "w_up", "wu"), "        }\n");
  } else {
    absl::StrAppend(&b, DequantUnitCode(type, K, "w", "wu"));
  }
  absl::StrAppend(
      &b, "      } else {\n", "        for (i32 i = 0; i < 32; ++i) wu[i] = 0.0f;\n", "      }\n",
      up ? "      u32* dst = (u32*)((tile == 0 ? ws : us) + row * LDS_ROW + 32 * uu);\n"
         : "      u32* dst = (u32*)(ws + row * LDS_ROW + 32 * uu);\n",
      "      for (i32 i = 0; i < 16; ++i) dst[i] = rf_pack_half2(wu[2 * i], wu[2 * i + 1]);\n",
      "    }\n", "    rf_barrier();\n");
  if (nvidia) {
    auto mma = [&](const std::string& tile, const std::string& accum) {
      return absl::StrCat("      for (i32 ni = 0; ni < 4; ++ni) {\n",
                          "        const u16* br = ", tile,
                          " + (wn + 8 * ni + g) * LDS_ROW + kk + 2 * t;\n",
                          "        const u32 bf[2] = {*(const u32*)br, *(const u32*)(br + 8)};\n",
                          "        for (i32 mi = 0; mi < 2; ++mi) rf_mma_m16n8k16(", accum,
                          "[mi][ni], af[mi], bf);\n", "      }\n");
    };
    absl::StrAppend(&b, "    const i32 g = lane / 4, t = lane % 4;\n",
                    "    for (i32 kk = 0; kk < BK; kk += 16) {\n", "      u32 af[2][4];\n",
                    "      for (i32 mi = 0; mi < 2; ++mi) {\n",
                    "        const u16* ar = xs + (wm + 16 * mi + g) * LDS_ROW + kk + 2 * t;\n",
                    "        af[mi][0] = *(const u32*)ar;\n",
                    "        af[mi][1] = *(const u32*)(ar + 8 * LDS_ROW);\n",
                    "        af[mi][2] = *(const u32*)(ar + 8);\n",
                    "        af[mi][3] = *(const u32*)(ar + 8 * LDS_ROW + 8);\n", "      }\n",
                    mma("ws", "acc"), up ? mma("us", "acc_up") : "", "    }\n");
  } else if (cdna) {
    // Lane l holds A (x) row l % 16, k = 4 (l / 16) .. + 3, and B (w) column l % 16, the same k.
    auto mfma = [&](const std::string& tile, const std::string& accum) {
      return absl::StrCat(
          "      for (i32 ni = 0; ni < 2; ++ni) {\n",
          "        const rf_half4 bf = __builtin_bit_cast(rf_half4, *(const u32x2*)(", tile,
          " + (wn + 16 * ni + lane % 16) * LDS_ROW + kk + 4 * (lane / 16)));\n",
          "        for (i32 mi = 0; mi < 4; ++mi) {\n", "          ", accum,
          "[mi][ni] = rf_mfma_f32_16x16x16_f16(af[mi], bf, ", accum, "[mi][ni]);\n", "        }\n",
          "      }\n");
    };
    absl::StrAppend(
        &b, "    for (i32 kk = 0; kk < BK; kk += 16) {\n", "      rf_half4 af[4];\n",
        "      for (i32 mi = 0; mi < 4; ++mi) {\n",
        "        af[mi] = __builtin_bit_cast(rf_half4, *(const u32x2*)(xs + (wm + 16 * mi + lane % "
        "16) * LDS_ROW + kk + 4 * (lane / 16)));\n",
        "      }\n", mfma("ws", "acc"), up ? mfma("us", "acc_up") : "", "    }\n");
  } else {
    auto wmma = [&](const std::string& tile, const std::string& accum) {
      return absl::StrCat(
          "      for (i32 ni = 0; ni < 2; ++ni) {\n", "        rf_half16 bf;\n",
          "        const u16* br = ", tile, " + (wn + 16 * ni + lane % 16) * LDS_ROW + kk;\n",
          "        for (i32 i = 0; i < 16; ++i) bf[i] = __builtin_bit_cast(_Float16, br[i]);\n",
          "        for (i32 mi = 0; mi < 2; ++mi) {\n", "          ", accum,
          "[mi][ni] = rf_wmma_f32_16x16x16_f16(af[mi], bf, ", accum, "[mi][ni]);\n", "        }\n",
          "      }\n");
    };
    absl::StrAppend(
        &b, "    for (i32 kk = 0; kk < BK; kk += 16) {\n", "      rf_half16 af[2];\n",
        "      for (i32 mi = 0; mi < 2; ++mi) {\n",
        "        const u16* ar = xs + (wm + 16 * mi + lane % 16) * LDS_ROW + kk;\n",
        "        for (i32 i = 0; i < 16; ++i) af[mi][i] = __builtin_bit_cast(_Float16, ar[i]);\n",
        "      }\n", wmma("ws", "acc"), up ? wmma("us", "acc_up") : "", "    }\n");
  }
  absl::StrAppend(&b, "    rf_barrier();\n", "  }\n");
  // Epilogue: each accumulator element at (m, n).
  const bool residual = f.addend >= 0 && in.operands[f.addend].shape.size() > 1;
  std::string store = "        if (m < T && n < N) {\n          f32 v = VAL;\n";
  if (up) absl::StrAppend(&store, "          v = v / (1.0f + rf_exp(-v)) * UPV;\n");
  if (f.addend >= 0) {
    absl::StrAppend(&store, residual ? "          v = v + addend[(u64)m * N + n];\n"
                                     : "          v = v + addend[n];\n");
  }
  absl::StrAppend(&store, "          out[(u64)m * N + n] = v;\n        }\n");
  auto fill = [&](const std::string& val, const std::string& upv) {
    std::string r = store;
    r.replace(r.find("VAL"), 3, val);
    if (up) r.replace(r.find("UPV"), 3, upv);
    return r;
  };
  if (nvidia) {
    absl::StrAppend(
        &b, "  const i32 g = lane / 4, t = lane % 4;\n", "  for (i32 mi = 0; mi < 2; ++mi) {\n",
        "    for (i32 ni = 0; ni < 4; ++ni) {\n", "      for (i32 e = 0; e < 4; ++e) {\n",
        "        const i32 m = m0 + wm + 16 * mi + g + 8 * (e / 2);\n",
        "        const i32 n = n0 + wn + 8 * ni + 2 * t + e % 2;\n",
        fill("acc[mi][ni][e]", "acc_up[mi][ni][e]"), "      }\n", "    }\n", "  }\n");
  } else if (cdna) {
    absl::StrAppend(
        &b, "  for (i32 mi = 0; mi < 4; ++mi) {\n", "    for (i32 ni = 0; ni < 2; ++ni) {\n",
        "      for (i32 e = 0; e < 4; ++e) {  // row 4 (lane / 16) + e, column lane % 16\n",
        "        const i32 m = m0 + wm + 16 * mi + 4 * (lane / 16) + e;\n",
        "        const i32 n = n0 + wn + 16 * ni + lane % 16;\n",
        fill("acc[mi][ni][e]", "acc_up[mi][ni][e]"), "      }\n", "    }\n", "  }\n");
  } else {
    absl::StrAppend(
        &b, "  for (i32 mi = 0; mi < 2; ++mi) {\n", "    for (i32 ni = 0; ni < 2; ++ni) {\n",
        "      for (i32 e = 0; e < 8; ++e) {  // row 2e + lane / 16, column lane % 16\n",
        "        const i32 m = m0 + wm + 16 * mi + 2 * e + lane / 16;\n",
        "        const i32 n = n0 + wn + 16 * ni + lane % 16;\n",
        fill("acc[mi][ni][e]", "acc_up[mi][ni][e]"), "      }\n", "    }\n", "  }\n");
  }
  absl::StrAppend(&b, "}\n");
  if (f.nw < 0) return std::vector<KernelSpec>{k};
  // x normalized and rounded to f16, once per token row, into the workspace.
  KernelSpec rms;
  rms.name = absl::StrFormat("rms_norm_f16_%d", K);
  rms.block = 256;
  rms.grid_base = 0;
  rms.grid_per_tile = 1;
  rms.token_tile = 1;
  rms.workspace_bytes = static_cast<uint64_t>(max_batch) * K * 2;
  absl::StrAppend(
      &rms.body,
      KernelComment(in, absl::StrFormat("rms_norm(x[T, %d]) * w in f16 into the workspace, for "
                                        "the matrix-unit GEMM after; one block per token",
                                        K)),
      WaveHelpers(target), "constexpr i32 K = ", K, ", NT = 256;\n",
      "constexpr f32 EPS = ", FloatLiteral(f.eps), ";\n", "RF_KERNEL RF_LAUNCH_BOUNDS(NT) void ",
      rms.name, "(", KernelParams(in, OperandNames(in, f), ResultNames(in, f)), ") {\n",
      "  RF_SHARED f32 red[NT / WAVE];\n",
      "  const i32 t = (i32)rf_block_x(), tid = (i32)rf_thread_x();\n",
      "  const f32* xr = x + (u64)t * K;\n", "  f32 ss = 0.0f;\n",
      "  for (i32 k = 4 * tid; k < K; k += 4 * NT) {\n",
      "    const f32x4 v = *(const f32x4*)(xr + k);\n",
      "    ss += v.x * v.x + v.y * v.y + v.z * v.z + v.w * v.w;\n", "  }\n",
      "  ss = wave_sum(ss);\n", "  if (tid % WAVE == 0) red[tid / WAVE] = ss;\n",
      "  rf_barrier();\n", "  ss = 0.0f;\n",
      "  for (i32 w = 0; w < NT / WAVE; ++w) ss += red[w];\n",
      "  const f32 inv = 1.0f / rf_sqrt(ss / (f32)K + EPS);\n",
      "  u16* xo = (u16*)workspace + (u64)t * K;\n",
      "  for (i32 k = 4 * tid; k < K; k += 4 * NT) {\n",
      "    const f32x4 v = *(const f32x4*)(xr + k), g = *(const f32x4*)(nw + k);\n",
      "    u32x2 h;\n", "    h.x = rf_pack_half2((v.x * inv) * g.x, (v.y * inv) * g.y);\n",
      "    h.y = rf_pack_half2((v.z * inv) * g.z, (v.w * inv) * g.w);\n",
      "    *(u32x2*)(xo + k) = h;\n", "  }\n", "}\n");
  return std::vector<KernelSpec>{rms, k};
}
}  // namespace

absl::StatusOr<std::vector<KernelSpec>> EmitMatmul(const plan::Instruction& in,
                                                   const Target& target, StepKind kind,
                                                   int64_t max_batch) {
  const MatmulForm f = FormOf(in);
  const plan::TensorRef& x = in.operands[f.x];
  const bool token_rows = HasTokenDim(x);
  int64_t M = 1;
  for (size_t i = 0; i + 1 < x.shape.size(); ++i) M *= x.shape[i] == plan::kDimT ? 1 : x.shape[i];
  if (kind == StepKind::kDecode || !token_rows) {
    return EmitGemv(in, target, f, M);
  }
  const bool vector_x = x.shape.back() % 4 == 0;  // the tile loads read x four floats at a time
  const bool matrix_unit =
      vector_x && (target.matrix == MatrixUnit::kMmaSm80 ||
                   (target.matrix == MatrixUnit::kWmmaGfx11 && target.wave_size == 32) ||
                   (target.matrix == MatrixUnit::kMfma && target.wave_size == 64));
  auto gemm = [&](const MatmulForm& form) {
    return matrix_unit ? EmitGemmMatrix(in, target, form, max_batch) : EmitGemm(in, target, form);
  };
  if (in.op != Opcode::kRmsNormMatmulQkv) return gemm(f);
  // Prefill of q, k and v: a GEMM each (compute-bound, nothing to share but x), after one
  // normalization of x where the matrix-unit GEMM wants it in f16 (the first part's kernel).
  std::vector<KernelSpec> kernels;
  const char* parts[3] = {"_q", "_k", "_v"};
  for (int i = 0; i < 3; ++i) {
    MatmulForm part = f;
    part.w = 2 + i;
    part.addend = f.addend >= 0 ? 5 + i : -1;
    part.result = i;
    part.part = parts[i];
    RF_ASSIGN_OR_RETURN(std::vector<KernelSpec> specs, gemm(part));
    const size_t first = i > 0 && specs.size() == 2 ? 1 : 0;  // the f16 norm runs once
    for (size_t j = first; j < specs.size(); ++j) kernels.push_back(std::move(specs[j]));
  }
  return kernels;
}

}  // namespace rf::codegen
