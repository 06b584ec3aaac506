// Attention kernels: rope_attention (rope q/k, store k/v at the step's positions, attend) and
// plain attention.
//
// Decode (one query per head, over up to max_context cached keys) is split across workgroups
// (flash-decoding): block (h, c) attends keys [c * CHUNK, (c + 1) * CHUNK) of head h with an online
// softmax and writes its partial (max, sum, weighted V) to the workspace; a second kernel combines
// the partials of each head. The grid is fixed by max_context (blocks past the current position
// write an empty partial), so one captured graph serves every step. The new key and value need
// not be read back: the block covering the current position uses them from registers, and one
// block per KV head writes them to the cache for the steps after.
//
// Prefill stores all of the step's keys and values first (one kernel), then attends with one
// block per (query, head), q roped on load, keys in chunks with the same online softmax.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "codegen/emit_util.h"
#include "codegen/kernels_internal.h"
#include "support/status.h"

namespace rf::codegen {
namespace {

using plan::Opcode;

constexpr int kChunk = 64;          // keys per decode block (split across workgroups)
constexpr int kPrefillChunk = 256;  // keys per online-softmax step of a prefill query
constexpr int kThreads = 128;

struct AttentionShape {
  int64_t H, Hkv, D, C;
  bool f16_cache;
  bool rope = false;
  int64_t n_rot = 0;
  bool neox = false;
  float theta = 0, scale = 0;
  bool freq_factors = false;
};

// sin and cos of a rotary angle: reduced to [-pi, pi] in double first, so that large positions
// keep their accuracy on every target (AMD's fast sin is only accurate near zero).
const char* kRopeHelpers = R"(RF_DEVICE void rope_sincos(f32 angle, f32* s, f32* c) {
  const double two_pi = 6.283185307179586;
  const f32 a = (f32)((double)angle - two_pi * rf_rint((double)angle / two_pi));
  *s = rf_sin(a);
  *c = rf_cos(a);
}
)";

std::string Constants(const AttentionShape& a, int chunk) {
  std::string s = absl::StrFormat(
      "constexpr i32 H = %d, HKV = %d, D = %d, C = %d, GROUP = H / HKV;\n"
      "constexpr i32 CHUNK = %d, NT = %d;\n"
      "constexpr f32 SCALE = %s;\n",
      a.H, a.Hkv, a.D, a.C, chunk, kThreads, FloatLiteral(a.scale));
  if (a.rope) {
    const float theta_scale = std::pow(a.theta, -2.0f / static_cast<float>(a.n_rot));
    absl::StrAppendFormat(&s,
                          "constexpr i32 N_ROT = %d;\nconstexpr bool NEOX = %s;\n"
                          "constexpr f32 THETA_SCALE = %s;  // theta^(-2/n_rot)\n",
                          a.n_rot, a.neox ? "true" : "false", FloatLiteral(theta_scale));
  }
  absl::StrAppendFormat(&s,
                        "constexpr i32 GROUPS = NT / (D / 4);  // key groups in the weighted V\n");
  absl::StrAppend(&s, "typedef ", a.f16_cache ? "u16" : "f32", " cache_t;\n",
                  a.f16_cache ? "RF_DEVICE f32 load_kv(cache_t v) { return rf_half_to_f32(v); }\n"
                                "RF_DEVICE cache_t store_kv(f32 v) { return rf_f32_to_half(v); }\n"
                              : "RF_DEVICE f32 load_kv(cache_t v) { return v; }\n"
                                "RF_DEVICE cache_t store_kv(f32 v) { return v; }\n");
  absl::StrAppend(
      &s, a.f16_cache
              ? "RF_DEVICE f32x4 load_v4(const cache_t* p) {\n"
                "  const u32x2 v = *(const u32x2*)p;\n"
                "  return f32x4{rf_half_to_f32((u16)v.x), rf_half_to_f32((u16)(v.x >> 16)),\n"
                "               rf_half_to_f32((u16)v.y), rf_half_to_f32((u16)(v.y >> 16))};\n"
                "}\n"
              : "RF_DEVICE f32x4 load_v4(const cache_t* p) { return *(const f32x4*)p; }\n");
  if (a.f16_cache && a.D % 8 == 0) {
    absl::StrAppend(
        &s, "// q . k for one cached key, 8 halves (16 bytes) per load\n",
        "RF_DEVICE f32 dot_key(const cache_t* kr, const f32* q) {\n", "  f32 dot = 0.0f;\n",
        "  for (i32 d = 0; d < D; d += 8) {\n", "    const u32x4 v = *(const u32x4*)(kr + d);\n",
        "    const u32 w[4] = {v.x, v.y, v.z, v.w};\n", "    for (i32 i = 0; i < 4; ++i) {\n",
        "      dot += q[d + 2 * i] * rf_half_to_f32((u16)w[i]) + q[d + 2 * i + 1] * "
        "rf_half_to_f32((u16)(w[i] >> 16));\n",
        "    }\n", "  }\n", "  return dot;\n", "}\n");
  } else {
    absl::StrAppend(
        &s, "RF_DEVICE f32 dot_key(const cache_t* kr, const f32* q) {\n", "  f32 dot = 0.0f;\n",
        "  for (i32 d = 0; d < D; ++d) dot += q[d] * load_kv(kr[d]);\n", "  return dot;\n", "}\n");
  }
  return s;
}

// Ropes row `src` ([D], f32) at position `p` into `dst` (shared), threads cooperating over pairs;
// the angle of pair i is built by repeated multiplication as the CPU reference does.
std::string RopeRow(const AttentionShape& a) {
  return absl::StrCat(
      "RF_DEVICE void rope_row(const f32* src, f32* dst, i32 p",
      a.freq_factors ? ", const f32* ff" : "", ") {\n",
      "  for (i32 i = (i32)rf_thread_x(); i < N_ROT / 2; i += NT) {\n", "    f32 angle = (f32)p;\n",
      "    for (i32 k = 0; k < i; ++k) angle *= THETA_SCALE;\n",
      a.freq_factors ? "    angle = angle / ff[i];\n" : "", "    f32 s, c;\n",
      "    rope_sincos(angle, &s, &c);\n",
      "    const i32 i0 = NEOX ? i : 2 * i, i1 = NEOX ? i + N_ROT / 2 : 2 * i + 1;\n",
      "    const f32 x0 = src[i0], x1 = src[i1];\n", "    dst[i0] = x0 * c - x1 * s;\n",
      "    dst[i1] = x0 * s + x1 * c;\n", "  }\n",
      "  for (i32 d = N_ROT + (i32)rf_thread_x(); d < D; d += NT) dst[d] = src[d];  // not "
      "rotated\n",
      "}\n");
}

// Block-wide max and sum over NT threads (shared scratch red[NT / WAVE]).
const char* kBlockReduce = R"(RF_DEVICE f32 block_max(f32 v, f32* red) {
  v = wave_max(v);
  if (rf_thread_x() % WAVE == 0) red[rf_thread_x() / WAVE] = v;
  rf_barrier();
  f32 m = red[0];
  for (i32 w = 1; w < NT / WAVE; ++w) m = rf_max(m, red[w]);
  rf_barrier();
  return m;
}
RF_DEVICE f32 block_sum(f32 v, f32* red) {
  v = wave_sum(v);
  if (rf_thread_x() % WAVE == 0) red[rf_thread_x() / WAVE] = v;
  rf_barrier();
  f32 s = 0.0f;
  for (i32 w = 0; w < NT / WAVE; ++w) s += red[w];
  rf_barrier();
  return s;
}
)";

// The online-softmax loop over keys [begin, end) of KV head kvh, with q in shared `qs`. Leaves
// m, l and acc (thread d < D holds acc for dim d) in the caller's variables. When `new_key` is
// set, key `p` comes from shared kn / vn instead of the cache, rounded as the cache stores it (an
// f16 cache: as the CPU, llama.cpp and this target's prefill see it).
std::string AttendLoop(bool new_key) {
  return absl::StrCat(
      "  for (i32 c0 = begin; c0 < end; c0 += CHUNK) {\n",
      "    const i32 cn = end - c0 < CHUNK ? end - c0 : CHUNK;\n",
      "    for (i32 j = (i32)rf_thread_x(); j < cn; j += NT) {\n",
      "      const i32 key = c0 + j;\n", "      f32 dot = 0.0f;\n",
      new_key ? "      if (key == p) {\n"
                "        for (i32 d = 0; d < D; ++d) dot += qs[d] * load_kv(store_kv(kn[d]));\n"
                "      } else {\n"
              : "      {\n",
      "        dot = dot_key(k_cache + ((u64)key * HKV + kvh) * D, qs);\n", "      }\n",
      "      sc[j] = dot * SCALE;\n", "    }\n", "    rf_barrier();\n",
      "    f32 local = -(1.0f / 0.0f);\n",
      "    for (i32 j = (i32)rf_thread_x(); j < cn; j += NT) local = rf_max(local, sc[j]);\n",
      "    const f32 m_new = rf_max(m, block_max(local, red));\n", "    f32 part = 0.0f;\n",
      "    for (i32 j = (i32)rf_thread_x(); j < cn; j += NT) {\n",
      "      sc[j] = rf_exp(sc[j] - m_new);\n", "      part += sc[j];\n", "    }\n",
      "    const f32 chunk_sum = block_sum(part, red);\n",
      "    const f32 rescale = rf_exp(m - m_new);\n",
      "    {  // weighted V: each thread 4 dims of every GROUPS-th key, then the groups add up\n",
      "      const i32 d4 = 4 * ((i32)rf_thread_x() % (D / 4)), grp = (i32)rf_thread_x() / (D / "
      "4);\n",
      "      f32 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;\n", "      if (grp < GROUPS) {\n",
      "#pragma unroll 4\n", "        for (i32 j = grp; j < cn; j += GROUPS) {\n",
      "          const i32 key = c0 + j;\n", "          const f32 pj = sc[j];\n",
      new_key ? "          if (key == p) {\n"
                "            a0 += pj * load_kv(store_kv(vn[d4]));\n"
                "            a1 += pj * load_kv(store_kv(vn[d4 + 1]));\n"
                "            a2 += pj * load_kv(store_kv(vn[d4 + 2]));\n"
                "            a3 += pj * load_kv(store_kv(vn[d4 + 3]));\n"
                "            continue;\n"
                "          }\n"
              : "",
      "          const f32x4 v = load_v4(v_cache + ((u64)key * HKV + kvh) * D + d4);\n",
      "          a0 += pj * v.x; a1 += pj * v.y; a2 += pj * v.z; a3 += pj * v.w;\n", "        }\n",
      "      }\n", "      if (grp < GROUPS) {\n", "        f32* vp = vpart + grp * D + d4;\n",
      "        vp[0] = a0; vp[1] = a1; vp[2] = a2; vp[3] = a3;\n", "      }\n",
      "      rf_barrier();\n", "      if ((i32)rf_thread_x() < D) {\n",
      "        const i32 d = (i32)rf_thread_x();\n", "        f32 sum = 0.0f;\n",
      "        for (i32 g = 0; g < GROUPS; ++g) sum += vpart[g * D + d];\n",
      "        acc = acc * rescale + sum;\n", "      }\n", "    }\n",
      "    l = l * rescale + chunk_sum;\n", "    m = m_new;\n", "    rf_barrier();\n", "  }\n");
}

// Decode's single chunk with an f16 cache, its cache loads issued first: thread j < cn loads key
// begin + j (D halves), thread (grp, d4) loads 4 dims of the keys it weights in V, all before the
// rope of q (and k), which they overlap; then scores, softmax and weighted V as AttendLoop does
// for one chunk (the same arithmetic in the same order). Issued in AttendLoop's order (keys, then
// after the scores, values), the loads were four round trips to memory instead of one.
std::string DecodePrefetch() {
  return absl::StrCat(
      "  // this chunk's cache rows, requested before the rope below (they overlap it)\n",
      "  const i32 tid = (i32)rf_thread_x(), cn = end - begin;\n",
      "  constexpr i32 VKEYS = CHUNK / GROUPS;  // keys per thread in the weighted V\n",
      "  const i32 d4 = 4 * (tid % (D / 4)), grp = tid / (D / 4);\n", "  u32x4 kr[D / 8];\n",
      "  u32x2 vr[VKEYS];\n", "  if (tid < cn && begin + tid != p) {\n",
      "    const u32x4* src = (const u32x4*)(k_cache + ((u64)(begin + tid) * HKV + kvh) * D);\n",
      "#pragma unroll\n", "    for (i32 i = 0; i < D / 8; ++i) kr[i] = src[i];\n", "  }\n",
      "#pragma unroll\n", "  for (i32 i = 0; i < VKEYS; ++i) {\n",
      "    const i32 j = grp + i * GROUPS;\n",
      "    if (grp < GROUPS && j < cn && begin + j != p) {\n",
      "      vr[i] = *(const u32x2*)(v_cache + ((u64)(begin + j) * HKV + kvh) * D + d4);\n",
      "    }\n", "  }\n");
}

std::string DecodeAttendPrefetched() {
  return absl::StrCat(
      "  if (tid < cn) {\n", "    f32 dot = 0.0f;\n", "    if (begin + tid == p) {\n",
      "      for (i32 d = 0; d < D; ++d) dot += qs[d] * load_kv(store_kv(kn[d]));\n",
      "    } else {\n", "#pragma unroll\n", "      for (i32 i = 0; i < D / 8; ++i) {\n",
      "        const u32 w[4] = {kr[i].x, kr[i].y, kr[i].z, kr[i].w};\n",
      "        for (i32 e = 0; e < 4; ++e) {\n",
      "          dot += qs[8 * i + 2 * e] * rf_half_to_f32((u16)w[e]) + qs[8 * i + 2 * e + 1] * "
      "rf_half_to_f32((u16)(w[e] >> 16));\n",
      "        }\n", "      }\n", "    }\n", "    sc[tid] = dot * SCALE;\n", "  }\n",
      "  rf_barrier();\n", "  f32 local = -(1.0f / 0.0f);\n", "  if (tid < cn) local = sc[tid];\n",
      "  const f32 m = block_max(local, red);\n", "  f32 part_sum = 0.0f;\n", "  if (tid < cn) {\n",
      "    sc[tid] = rf_exp(sc[tid] - m);\n", "    part_sum = sc[tid];\n", "  }\n",
      "  const f32 l = block_sum(part_sum, red);\n",
      "  {  // weighted V: each thread 4 dims of every GROUPS-th key, then the groups add up\n",
      "    f32 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;\n", "#pragma unroll\n",
      "    for (i32 i = 0; i < VKEYS; ++i) {\n", "      const i32 j = grp + i * GROUPS;\n",
      "      if (grp >= GROUPS || j >= cn) break;\n", "      const f32 pj = sc[j];\n",
      "      if (begin + j == p) {\n", "        a0 += pj * load_kv(store_kv(vn[d4]));\n",
      "        a1 += pj * load_kv(store_kv(vn[d4 + 1]));\n",
      "        a2 += pj * load_kv(store_kv(vn[d4 + 2]));\n",
      "        a3 += pj * load_kv(store_kv(vn[d4 + 3]));\n", "        continue;\n", "      }\n",
      "      a0 += pj * rf_half_to_f32((u16)vr[i].x); a1 += pj * rf_half_to_f32((u16)(vr[i].x >> "
      "16));\n",
      "      a2 += pj * rf_half_to_f32((u16)vr[i].y); a3 += pj * rf_half_to_f32((u16)(vr[i].y >> "
      "16));\n",
      "    }\n", "    if (grp < GROUPS) {\n", "      f32* vp = vpart + grp * D + d4;\n",
      "      vp[0] = a0; vp[1] = a1; vp[2] = a2; vp[3] = a3;\n", "    }\n", "  }\n",
      "  rf_barrier();\n", "  f32 acc = 0.0f;\n", "  if (tid < D) {\n",
      "    for (i32 g = 0; g < GROUPS; ++g) acc += vpart[g * D + tid];\n", "  }\n");
}

absl::StatusOr<AttentionShape> ShapeOf(const plan::Instruction& in) {
  AttentionShape a;
  const bool rope = in.op == Opcode::kRopeAttention;
  const plan::TensorRef& q = in.operands[0];
  const plan::TensorRef& kc = in.operands[rope ? 3 : 1];
  a.H = q.shape[1];
  a.D = q.shape[2];
  a.Hkv = kc.shape[1];
  a.C = kc.shape[0];
  a.f16_cache = kc.type == static_cast<uint32_t>(quant::GgmlType::kF16);
  if (!a.f16_cache && kc.type != static_cast<uint32_t>(quant::GgmlType::kF32)) {
    return absl::UnimplementedError("the GPU attention reads f16 or f32 caches");
  }
  if (a.D > kThreads) return absl::UnimplementedError("head dims above 128");
  if (a.D % 4 != 0) return absl::UnimplementedError("head dims that are not a multiple of 4");
  a.rope = rope;
  if (rope) {
    a.neox = in.ints[0] == 1;
    a.n_rot = in.ints[1];
    a.theta = in.floats[0];
    a.scale = in.floats[1];
    a.freq_factors = in.operands.size() == 7;
  } else {
    a.scale = in.floats[0];
  }
  return a;
}

std::string Header(const plan::Instruction& in, const Target& target, const AttentionShape& a,
                   const std::string& what, int chunk = kPrefillChunk) {
  return absl::StrCat(KernelComment(in, what), WaveHelpers(target), Constants(a, chunk),
                      a.rope ? kRopeHelpers : "", a.rope ? RopeRow(a) : "", kBlockReduce);
}

// Operand names of rope_attention / attention kernels.
std::vector<std::string> Names(const AttentionShape& a, size_t n) {
  if (a.rope) {
    std::vector<std::string> names = {"q_in", "k_in", "v_in", "k_cache_in", "v_cache_in", "pos"};
    if (n == 7) names.push_back("ff");
    return names;
  }
  return {"q_in", "k_cache_in", "v_cache_in", "pos"};
}

KernelSpec DecodePartial(const plan::Instruction& in, const Target& target, const AttentionShape& a,
                         int64_t n_chunks) {
  KernelSpec k;
  k.name = absl::StrFormat("rope_attention_h%d_kv%d_d%d_c%d_%s_decode_partial", a.H, a.Hkv, a.D,
                           a.C, a.f16_cache ? "f16" : "f32");
  k.block = kThreads;
  k.grid_base = static_cast<uint32_t>(a.H);
  k.grid_y = static_cast<uint32_t>(n_chunks);
  k.workspace_bytes = static_cast<uint64_t>(a.H * n_chunks * (a.D + 2)) * 4;
  // The f16 cache (llama.cpp's default, and ours) gets its loads issued first; f32 caches take
  // the general loop.
  const bool prefetch = a.f16_cache && a.D % 8 == 0 && kChunk <= kThreads;
  std::string& b = k.body;
  absl::StrAppend(
      &b,
      Header(in, target, a,
             absl::StrFormat("rope_attention decode, part 1 of 2: block (h, c) attends keys "
                             "[c * %d, (c + 1) * %d) of head h; grid (%d, %d) x %d threads",
                             kChunk, kChunk, a.H, n_chunks, kThreads),
             kChunk),
      "constexpr i32 NCHUNK = ", n_chunks, ";\n", "RF_KERNEL RF_LAUNCH_BOUNDS(NT) void ", k.name,
      "(", KernelParams(in, Names(a, in.operands.size()), {"out", "k_cache", "v_cache"}), ") {\n",
      "  RF_SHARED f32 qs[D], kn[D], vn[D], sc[CHUNK], red[NT / WAVE], vpart[NT * 4];\n",
      "  const i32 h = (i32)rf_block_x(), chunk = (i32)rf_block_y(), kvh = h / GROUP;\n",
      "  const i32 p = pos[0];\n", "  const i32 begin = chunk * CHUNK;\n",
      "  const i32 end = p + 1 < begin + CHUNK ? p + 1 : begin + CHUNK;\n",
      "  f32* part = (f32*)workspace + ((u64)h * NCHUNK + chunk) * (D + 2);\n",
      "  if (begin > p) {  // past the current position: an empty partial\n",
      "    if (rf_thread_x() == 0) { part[0] = -(1.0f / 0.0f); part[1] = 0.0f; }\n",
      "    if ((i32)rf_thread_x() < D) part[2 + rf_thread_x()] = 0.0f;\n", "    return;\n", "  }\n",
      prefetch ? DecodePrefetch() : "", "  rope_row(q_in + (u64)h * D, qs, p",
      a.freq_factors ? ", ff" : "", ");\n",
      "  const bool has_new = begin <= p && p < begin + CHUNK;\n", "  if (has_new) {\n",
      "    rope_row(k_in + (u64)kvh * D, kn, p", a.freq_factors ? ", ff" : "", ");\n",
      "    for (i32 d = (i32)rf_thread_x(); d < D; d += NT) vn[d] = v_in[(u64)kvh * D + d];\n",
      "  }\n", "  rf_barrier();\n",
      "  if (has_new && h % GROUP == 0) {  // one block per KV head stores the new row\n",
      "    for (i32 d = (i32)rf_thread_x(); d < D; d += NT) {\n",
      "      k_cache[((u64)p * HKV + kvh) * D + d] = store_kv(kn[d]);\n",
      "      v_cache[((u64)p * HKV + kvh) * D + d] = store_kv(vn[d]);\n", "    }\n", "  }\n",
      prefetch
          ? DecodeAttendPrefetched()
          : absl::StrCat("  f32 m = -(1.0f / 0.0f), l = 0.0f, acc = 0.0f;\n", AttendLoop(true)),
      "  if (rf_thread_x() == 0) { part[0] = m; part[1] = l; }\n",
      "  if ((i32)rf_thread_x() < D) part[2 + rf_thread_x()] = acc;\n", "}\n");
  return k;
}

KernelSpec DecodeCombine(const plan::Instruction& in, const Target& target, const AttentionShape& a,
                         int64_t n_chunks) {
  KernelSpec k;
  k.name = absl::StrFormat("attention_combine_h%d_d%d_n%d", a.H, a.D, n_chunks);
  k.block = static_cast<uint32_t>(std::max<int64_t>(a.D, target.wave_size));
  k.grid_base = static_cast<uint32_t>(a.H);
  absl::StrAppend(
      &k.body,
      KernelComment(in, absl::StrFormat("rope_attention decode, part 2 of 2: combines the %d "
                                        "partials of each head; grid %d x %d threads",
                                        n_chunks, a.H, k.block)),
      absl::StrFormat("constexpr i32 D = %d, NCHUNK = %d;\n", a.D, n_chunks),
      "RF_KERNEL RF_LAUNCH_BOUNDS(", k.block, ") void ", k.name, "(",
      KernelParams(in, Names(a, in.operands.size()), {"out", "k_cache", "v_cache"}), ") {\n",
      "  const i32 h = (i32)rf_block_x(), d = (i32)rf_thread_x();\n", "  if (d >= D) return;\n",
      "  const f32* part = (const f32*)workspace + (u64)h * NCHUNK * (D + 2);\n",
      "  f32 m = -(1.0f / 0.0f);\n",
      "  for (i32 c = 0; c < NCHUNK; ++c) m = rf_max(m, part[c * (D + 2)]);\n",
      "  f32 l = 0.0f, acc = 0.0f;\n", "  for (i32 c = 0; c < NCHUNK; ++c) {\n",
      "    const f32* pc = part + c * (D + 2);\n", "    if (pc[1] == 0.0f) continue;\n",
      "    const f32 w = rf_exp(pc[0] - m);\n", "    l += pc[1] * w;\n",
      "    acc += pc[2 + d] * w;\n", "  }\n", "  out[(u64)h * D + d] = acc / l;\n", "}\n");
  return k;
}

KernelSpec PrefillStore(const plan::Instruction& in, const Target& target,
                        const AttentionShape& a) {
  KernelSpec k;
  k.name = absl::StrFormat("rope_kv_store_kv%d_d%d_c%d_%s", a.Hkv, a.D, a.C,
                           a.f16_cache ? "f16" : "f32");
  k.block = kThreads;
  k.grid_per_tile = 1;
  k.grid_base = 0;
  k.token_tile = 1;
  k.grid_y = static_cast<uint32_t>(a.Hkv);
  absl::StrAppend(
      &k.body,
      Header(in, target, a,
             absl::StrFormat("rope_attention prefill, part 1 of 2: rope k and store k, v of "
                             "token t, KV head h at pos[t]; grid (T, %d) x %d threads",
                             a.Hkv, kThreads)),
      "RF_KERNEL RF_LAUNCH_BOUNDS(NT) void ", k.name, "(",
      KernelParams(in, Names(a, in.operands.size()), {"out", "k_cache", "v_cache"}), ") {\n",
      "  RF_SHARED f32 kn[D];\n", "  const i32 t = (i32)rf_block_x(), kvh = (i32)rf_block_y();\n",
      "  const i32 p = pos[t];\n", "  rope_row(k_in + ((u64)t * HKV + kvh) * D, kn, p",
      a.freq_factors ? ", ff" : "", ");\n", "  rf_barrier();\n",
      "  for (i32 d = (i32)rf_thread_x(); d < D; d += NT) {\n",
      "    k_cache[((u64)p * HKV + kvh) * D + d] = store_kv(kn[d]);\n",
      "    v_cache[((u64)p * HKV + kvh) * D + d] = store_kv(v_in[((u64)t * HKV + kvh) * D + d]);\n",
      "  }\n", "}\n");
  return k;
}

KernelSpec PrefillAttend(const plan::Instruction& in, const Target& target,
                         const AttentionShape& a) {
  KernelSpec k;
  k.name =
      absl::StrFormat("%s_h%d_kv%d_d%d_c%d_%s_prefill", a.rope ? "rope_attention" : "attention",
                      a.H, a.Hkv, a.D, a.C, a.f16_cache ? "f16" : "f32");
  k.block = kThreads;
  k.grid_per_tile = 1;
  k.grid_base = 0;
  k.token_tile = 1;
  k.grid_y = static_cast<uint32_t>(a.H);
  const std::vector<std::string> results =
      a.rope ? std::vector<std::string>{"out", "k_cache", "v_cache"}
             : std::vector<std::string>{"out"};
  absl::StrAppend(
      &k.body,
      Header(in, target, a,
             absl::StrFormat("%s: query t of head h attends cache rows 0..pos[t]; grid (T, %d) "
                             "x %d threads",
                             a.rope ? "rope_attention prefill, part 2 of 2" : "attention", a.H,
                             kThreads)),
      "RF_KERNEL RF_LAUNCH_BOUNDS(NT) void ", k.name, "(",
      KernelParams(in, Names(a, in.operands.size()), results), ") {\n",
      a.rope ? ""
             : "  const cache_t* k_cache = k_cache_in;\n  const cache_t* v_cache = v_cache_in;\n",
      "  RF_SHARED f32 qs[D], sc[CHUNK], red[NT / WAVE], vpart[NT * 4];\n",
      "  const i32 t = (i32)rf_block_x(), h = (i32)rf_block_y(), kvh = h / GROUP;\n",
      "  const i32 p = pos[t];\n");
  if (a.rope) {
    absl::StrAppend(&k.body, "  rope_row(q_in + ((u64)t * H + h) * D, qs, p",
                    a.freq_factors ? ", ff" : "", ");\n");
  } else {
    absl::StrAppend(&k.body,
                    "  for (i32 d = (i32)rf_thread_x(); d < D; d += NT) qs[d] = q_in[((u64)t * H + "
                    "h) * D + d];\n");
  }
  absl::StrAppend(
      &k.body, "  rf_barrier();\n", "  const i32 begin = 0, end = p + 1;\n",
      "  f32 m = -(1.0f / 0.0f), l = 0.0f, acc = 0.0f;\n", AttendLoop(false),
      "  if ((i32)rf_thread_x() < D) out[((u64)t * H + h) * D + rf_thread_x()] = acc / l;\n",
      "}\n");
  return k;
}

}  // namespace

absl::StatusOr<std::vector<KernelSpec>> EmitAttention(const plan::Instruction& in,
                                                      const Target& target, StepKind kind,
                                                      int64_t max_batch) {
  RF_ASSIGN_OR_RETURN(AttentionShape a, ShapeOf(in));
  if (in.op == Opcode::kRopeAttention && kind == StepKind::kDecode) {
    const int64_t n_chunks = (a.C + kChunk - 1) / kChunk;
    return std::vector<KernelSpec>{DecodePartial(in, target, a, n_chunks),
                                   DecodeCombine(in, target, a, n_chunks)};
  }
  if (in.op == Opcode::kRopeAttention) {
    return std::vector<KernelSpec>{PrefillStore(in, target, a), PrefillAttend(in, target, a)};
  }
  return std::vector<KernelSpec>{PrefillAttend(in, target, a)};
}

}  // namespace rf::codegen
