// The CPU implementation of every IR op: plain C++ over raw buffers, f32 accumulation, weights
// dequantized row by row with the quant library. There is one implementation of each op on the
// CPU: the reference evaluator (compiler/) and the CPU plan executor (runtime/cpu/executor) both
// call these. Shapes are row-major, outermost first, as in the IR. Inputs are trusted (the caller
// validated token ids and positions); outputs may not alias inputs unless stated.
#pragma once

#include <cstdint>

#include "quant/types.h"
#include "runtime/cpu/thread_pool.h"

namespace rf::cpu {

enum class RopeStyle { kNorm, kNeox };

// out[t, :] = dequantized table row ids[t].       table: [V, E] of `type`; out: [T, E]
void Embedding(const void* table, quant::GgmlType type, int64_t E, const int32_t* ids, int64_t T,
               float* out);

// out[r, :] = x[r, :] / sqrt(mean(x[r, :]^2) + eps) * w.   x, out: [rows, n]; w: [n]
// (sum of squares in double, as ggml). out may alias x.
void RmsNorm(const float* x, const float* w, int64_t rows, int64_t n, float eps, float* out);

// out[t, j] = sum_k x[t, k] * W[j, k].    x: [T, K] f32; W: [N, K] of `type`; out: [T, N]
// Parallel over output columns j.
void Matmul(const float* x, int64_t T, int64_t K, const void* w, quant::GgmlType type, int64_t N,
            float* out, ThreadPool* pool);

// out[i] = a[i] + b[i % nb] (b broadcast over a's leading dims). out may alias a.
void Add(const float* a, int64_t na, const float* b, int64_t nb, float* out);
// out[i] = a[i] * b[i % nb]. out may alias a.
void Mul(const float* a, int64_t na, const float* b, int64_t nb, float* out);
// out[i] = x[i] / (1 + exp(-x[i])). out may alias x.
void Silu(const float* x, int64_t n, float* out);
// out[i] = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). out may alias x.
void Gelu(const float* x, int64_t n, float* out);

// Rotary position embedding.   x, out: [T, H, D]; pos: [T]; freq_factors: [n_rot/2] or null.
// Pair i (i < n_rot/2) of each head rotates by angle pos * theta^(-2i/n_rot) / freq_factors[i];
// kNorm pairs dims (2i, 2i+1), kNeox pairs (i, i + n_rot/2); dims >= n_rot pass through.
// The angle is built by repeated multiplication, as ggml does, so that rounding matches.
// out may alias x.
void Rope(const float* x, int64_t T, int64_t H, int64_t D, const int32_t* pos,
          const float* freq_factors, RopeStyle style, int64_t n_rot, float theta, float* out);

// cache[pos[t], h, d] = x[t, h, d], converted to the cache's type (f32 or f16).
//   cache: [C, Hkv, D]; x: [T, Hkv, D]
void KvStore(void* cache, quant::GgmlType cache_type, int64_t Hkv, int64_t D, const float* x,
             int64_t T, const int32_t* pos);

// Causal grouped-query attention over the cache: query t of head h attends cache rows
// 0..pos[t] of KV head h / (H / Hkv), softmax(scale * q.k) weighted sum of v.
//   q, out: [T, H, D]; k_cache, v_cache: [C, Hkv, D] of cache_type
void Attention(const float* q, int64_t T, int64_t H, int64_t D, const void* k_cache,
               const void* v_cache, quant::GgmlType cache_type, int64_t Hkv, const int32_t* pos,
               float scale, float* out, ThreadPool* pool);

// Softmax over the last dim.   x, out: [rows, n]; out may alias x.
void Softmax(const float* x, int64_t rows, int64_t n, float* out);

// out[r] = the first index of the largest x[r, :].   x: [rows, n]
void Argmax(const float* x, int64_t rows, int64_t n, int32_t* out);

// Fused ops: each computes exactly what its unfused parts compute, in the same order, so fusing
// never changes a CPU result.

// s = x + r; n = RmsNorm(s, w).   x, r, s, n: [rows, n]
void AddRmsNorm(const float* x, const float* r, const float* w, int64_t rows, int64_t n, float eps,
                float* s, float* out);
// out = Matmul(x, W) + addend (addend broadcast: [N] bias or [T, N] residual; na elements).
void MatmulAdd(const float* x, int64_t T, int64_t K, const void* w, quant::GgmlType type, int64_t N,
               const float* addend, int64_t na, float* out, ThreadPool* pool);
// out = Matmul(RmsNorm(x, norm_w), W) (+ addend when not null).
void RmsNormMatmul(const float* x, const float* norm_w, float eps, int64_t T, int64_t K,
                   const void* w, quant::GgmlType type, int64_t N, const float* addend, int64_t na,
                   float* out, ThreadPool* pool);
// out = Silu(Matmul(x', Wg)) * Matmul(x', Wu) with x' = RmsNorm(x, norm_w) when norm_w is not null.
void MatmulSiluMul(const float* x, const float* norm_w, float eps, int64_t T, int64_t K,
                   const void* w_gate, const void* w_up, quant::GgmlType type, int64_t N,
                   float* out, ThreadPool* pool);
// Rope(q), Rope(k), KvStore(k), KvStore(v), Attention(q) in one call.
//   q, out: [T, H, D]; k, v: [T, Hkv, D]; caches: [C, Hkv, D]
struct RopeParams {
  RopeStyle style;
  int64_t n_rot;
  float theta;
  const float* freq_factors;  // [n_rot/2] or null
};
void RopeAttention(const float* q, const float* k, const float* v, int64_t T, int64_t H,
                   int64_t Hkv, int64_t D, void* k_cache, void* v_cache, quant::GgmlType cache_type,
                   const int32_t* pos, const RopeParams& rope, float scale, float* out,
                   ThreadPool* pool);

}  // namespace rf::cpu
