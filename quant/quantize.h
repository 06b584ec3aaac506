// Quantization from f32 into ggml's block formats, for synthesizing test models.
//
// Not llama.cpp's quantizer, and not bit-identical to it: every format uses nearest-level rounding
// against scales chosen so that the block's values lie inside the grid the stored (f16-rounded)
// scales define. That gives each format a simple worst-case error (tests/quant/quantize_test.cc
// derives it per format); the k-quants add a small search over the super-block scale that
// minimizes the squared error of the whole super-block.
//
// Inputs must be finite. Values beyond what a format's f16 scales can express (about 65504 times
// the largest quant) are out of range: their scales saturate at the largest finite f16.
#pragma once

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "quant/types.h"

namespace rf::quant {

// Encodes `n` elements (a whole number of blocks) of `src` into blocks at `dst`.
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);

// The row encoder of `type`, or nullptr when rf cannot produce it. Supported: F32, F16, BF16,
// Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K.
QuantizeRowFn GetQuantizeRow(GgmlType type);
inline bool CanQuantize(GgmlType type) {
  return GetQuantizeRow(type) != nullptr;
}

// Encodes a whole tensor of src.size() elements into dst (RowBytes(type, src.size()) bytes).
absl::Status Quantize(GgmlType type, std::span<const float> src, std::span<uint8_t> dst);

// The k-quant encoders try the super-block scales d = dmax / (scale_max - t) for
// t = 0 .. kKScaleCandidates - 1 (dmax: the largest step any sub-block needs; scale_max: the
// largest quantized sub-block scale, 63 for Q4_K) and keep the one with the least squared error.
inline constexpr int kKScaleCandidates = 8;
// Q2_K's sub-block scales have 4 bits (scale_max 15), so it tries fewer.
inline constexpr int kQ2KScaleCandidates = 4;

}  // namespace rf::quant
