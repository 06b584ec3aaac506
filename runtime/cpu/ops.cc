#include "runtime/cpu/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "quant/dequantize.h"
#include "support/half.h"

namespace rf::cpu {
namespace {

// A dot product with eight independent accumulators: vectorizes without -ffast-math and keeps the
// summation order fixed (so results do not depend on the thread count).
float Dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// Reads row `row` of a [rows, n] cache of f32 or f16 into dst.
void LoadCacheRow(const void* cache, quant::GgmlType type, int64_t offset, int64_t n, float* dst) {
  if (type == quant::GgmlType::kF16) {
    const uint16_t* src = static_cast<const uint16_t*>(cache) + offset;
    for (int64_t i = 0; i < n; ++i) dst[i] = F16ToF32(src[i]);
  } else {
    std::memcpy(dst, static_cast<const float*>(cache) + offset, n * sizeof(float));
  }
}

uint64_t RowBytesOrDie(quant::GgmlType type, int64_t n) {
  const quant::TypeInfo& info = quant::Info(type);
  return static_cast<uint64_t>(n / info.block_size) * info.type_size;
}

}  // namespace

void Embedding(const void* table, quant::GgmlType type, int64_t E, const int32_t* ids, int64_t T,
               float* out) {
  const uint64_t row_bytes = RowBytesOrDie(type, E);
  const quant::DequantizeRowFn dequant = quant::GetDequantizeRow(type);
  for (int64_t t = 0; t < T; ++t) {
    dequant(static_cast<const uint8_t*>(table) + row_bytes * ids[t], out + t * E, E);
  }
}

void RmsNorm(const float* x, const float* w, int64_t rows, int64_t n, float eps, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(xr[i] * xr[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(mean + eps);
    float* o = out + r * n;
    for (int64_t i = 0; i < n; ++i) o[i] = xr[i] * scale * w[i];
  }
}

void Matmul(const float* x, int64_t T, int64_t K, const void* w, quant::GgmlType type, int64_t N,
            float* out, ThreadPool* pool) {
  const uint64_t row_bytes = RowBytesOrDie(type, K);
  const quant::DequantizeRowFn dequant = quant::GetDequantizeRow(type);
  const bool is_f32 = type == quant::GgmlType::kF32;
  auto columns = [&](int64_t begin, int64_t end) {
    std::vector<float> row(is_f32 ? 0 : K);
    for (int64_t j = begin; j < end; ++j) {
      const uint8_t* src = static_cast<const uint8_t*>(w) + row_bytes * j;
      const float* wr = reinterpret_cast<const float*>(src);
      if (!is_f32) {
        dequant(src, row.data(), K);
        wr = row.data();
      }
      for (int64_t t = 0; t < T; ++t) out[t * N + j] = Dot(x + t * K, wr, K);
    }
  };
  if (pool != nullptr) {
    pool->ParallelFor(N, 16, columns);
  } else {
    columns(0, N);
  }
}

void Add(const float* a, int64_t na, const float* b, int64_t nb, float* out) {
  for (int64_t i = 0; i < na; i += nb) {
    for (int64_t j = 0; j < nb; ++j) out[i + j] = a[i + j] + b[j];
  }
}

void Mul(const float* a, int64_t na, const float* b, int64_t nb, float* out) {
  for (int64_t i = 0; i < na; i += nb) {
    for (int64_t j = 0; j < nb; ++j) out[i + j] = a[i + j] * b[j];
  }
}

void Silu(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void Gelu(const float* x, int64_t n, float* out) {
  constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    out[i] = 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * v * (1.0f + 0.044715f * v * v)));
  }
}

void Rope(const float* x, int64_t T, int64_t H, int64_t D, const int32_t* pos,
          const float* freq_factors, RopeStyle style, int64_t n_rot, float theta, float* out) {
  const float theta_scale = std::pow(theta, -2.0f / static_cast<float>(n_rot));
  std::vector<float> cos_cache(n_rot / 2), sin_cache(n_rot / 2);
  for (int64_t t = 0; t < T; ++t) {
    float angle = static_cast<float>(pos[t]);
    for (int64_t i = 0; i < n_rot / 2; ++i) {
      const float a = freq_factors != nullptr ? angle / freq_factors[i] : angle;
      cos_cache[i] = std::cos(a);
      sin_cache[i] = std::sin(a);
      angle *= theta_scale;
    }
    for (int64_t h = 0; h < H; ++h) {
      const float* src = x + (t * H + h) * D;
      float* dst = out + (t * H + h) * D;
      for (int64_t i = 0; i < n_rot / 2; ++i) {
        const int64_t i0 = style == RopeStyle::kNorm ? 2 * i : i;
        const int64_t i1 = style == RopeStyle::kNorm ? 2 * i + 1 : i + n_rot / 2;
        const float x0 = src[i0], x1 = src[i1];
        dst[i0] = x0 * cos_cache[i] - x1 * sin_cache[i];
        dst[i1] = x0 * sin_cache[i] + x1 * cos_cache[i];
      }
      if (dst != src) {
        for (int64_t d = n_rot; d < D; ++d) dst[d] = src[d];
      }
    }
  }
}

void KvStore(void* cache, quant::GgmlType cache_type, int64_t Hkv, int64_t D, const float* x,
             int64_t T, const int32_t* pos) {
  const int64_t row = Hkv * D;
  for (int64_t t = 0; t < T; ++t) {
    const float* src = x + t * row;
    if (cache_type == quant::GgmlType::kF16) {
      uint16_t* dst = static_cast<uint16_t*>(cache) + pos[t] * row;
      for (int64_t i = 0; i < row; ++i) dst[i] = F32ToF16(src[i]);
    } else {
      std::memcpy(static_cast<float*>(cache) + pos[t] * row, src, row * sizeof(float));
    }
  }
}

void Attention(const float* q, int64_t T, int64_t H, int64_t D, const void* k_cache,
               const void* v_cache, quant::GgmlType cache_type, int64_t Hkv, const int32_t* pos,
               float scale, float* out, ThreadPool* pool) {
  const int64_t group = H / Hkv;
  auto heads = [&](int64_t begin, int64_t end) {
    std::vector<float> scores, k_row(D), v_row(D), acc(D);
    for (int64_t th = begin; th < end; ++th) {
      const int64_t t = th / H, h = th % H, kvh = h / group;
      const int64_t n = static_cast<int64_t>(pos[t]) + 1;  // cache rows 0..pos[t]
      const float* qv = q + th * D;
      scores.resize(n);
      float max_score = -INFINITY;
      for (int64_t j = 0; j < n; ++j) {
        LoadCacheRow(k_cache, cache_type, (j * Hkv + kvh) * D, D, k_row.data());
        scores[j] = Dot(qv, k_row.data(), D) * scale;
        max_score = std::max(max_score, scores[j]);
      }
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        scores[j] = std::exp(scores[j] - max_score);
        sum += scores[j];
      }
      const float inv = static_cast<float>(1.0 / sum);
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (int64_t j = 0; j < n; ++j) {
        LoadCacheRow(v_cache, cache_type, (j * Hkv + kvh) * D, D, v_row.data());
        const float p = scores[j] * inv;
        for (int64_t d = 0; d < D; ++d) acc[d] += p * v_row[d];
      }
      std::memcpy(out + th * D, acc.data(), D * sizeof(float));
    }
  };
  if (pool != nullptr) {
    pool->ParallelFor(T * H, 1, heads);
  } else {
    heads(0, T * H);
  }
}

void Softmax(const float* x, int64_t rows, int64_t n, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float* o = out + r * n;
    const float m = *std::max_element(xr, xr + n);
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      o[i] = std::exp(xr[i] - m);
      sum += o[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) o[i] *= inv;
  }
}

void Argmax(const float* x, int64_t rows, int64_t n, int32_t* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    out[r] = static_cast<int32_t>(std::max_element(xr, xr + n) - xr);
  }
}

void AddRmsNorm(const float* x, const float* r, const float* w, int64_t rows, int64_t n, float eps,
                float* s, float* out) {
  Add(x, rows * n, r, rows * n, s);
  RmsNorm(s, w, rows, n, eps, out);
}

void MatmulAdd(const float* x, int64_t T, int64_t K, const void* w, quant::GgmlType type, int64_t N,
               const float* addend, int64_t na, float* out, ThreadPool* pool) {
  Matmul(x, T, K, w, type, N, out, pool);
  Add(out, T * N, addend, na, out);
}

void RmsNormMatmul(const float* x, const float* norm_w, float eps, int64_t T, int64_t K,
                   const void* w, quant::GgmlType type, int64_t N, const float* addend, int64_t na,
                   float* out, ThreadPool* pool) {
  std::vector<float> normed(T * K);
  RmsNorm(x, norm_w, T, K, eps, normed.data());
  Matmul(normed.data(), T, K, w, type, N, out, pool);
  if (addend != nullptr) Add(out, T * N, addend, na, out);
}

void MatmulSiluMul(const float* x, const float* norm_w, float eps, int64_t T, int64_t K,
                   const void* w_gate, const void* w_up, quant::GgmlType type, int64_t N,
                   float* out, ThreadPool* pool) {
  std::vector<float> normed;
  if (norm_w != nullptr) {
    normed.resize(T * K);
    RmsNorm(x, norm_w, T, K, eps, normed.data());
    x = normed.data();
  }
  std::vector<float> up(T * N);
  Matmul(x, T, K, w_gate, type, N, out, pool);
  Matmul(x, T, K, w_up, type, N, up.data(), pool);
  Silu(out, T * N, out);
  Mul(out, T * N, up.data(), T * N, out);
}

void RopeAttention(const float* q, const float* k, const float* v, int64_t T, int64_t H,
                   int64_t Hkv, int64_t D, void* k_cache, void* v_cache, quant::GgmlType cache_type,
                   const int32_t* pos, const RopeParams& rope, float scale, float* out,
                   ThreadPool* pool) {
  std::vector<float> q_roped(T * H * D), k_roped(T * Hkv * D);
  Rope(q, T, H, D, pos, rope.freq_factors, rope.style, rope.n_rot, rope.theta, q_roped.data());
  Rope(k, T, Hkv, D, pos, rope.freq_factors, rope.style, rope.n_rot, rope.theta, k_roped.data());
  KvStore(k_cache, cache_type, Hkv, D, k_roped.data(), T, pos);
  KvStore(v_cache, cache_type, Hkv, D, v, T, pos);
  Attention(q_roped.data(), T, H, D, k_cache, v_cache, cache_type, Hkv, pos, scale, out, pool);
}

}  // namespace rf::cpu
