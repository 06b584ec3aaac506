// Dequantization: ggml's block formats decoded to f32, bit for bit as ggml's own `to_float`
// computes them (same operations in the same order; rf_quant is built with -ffp-contract=off so
// that no multiply-add is fused where ggml rounds twice).
//
// The row functions are what an executor calls in its inner loop: fetch the function once per
// tensor with GetDequantizeRow, then call it per row (no allocation, no per-block dispatch).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "quant/types.h"

namespace rf::quant {

// Decodes `n` elements (a whole number of blocks) starting at `src` into `dst`.
using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);

// The row decoder of `type`, or nullptr when rf cannot decode it (Info(type).dequantizable).
DequantizeRowFn GetDequantizeRow(GgmlType type);

// GetDequantizeRow(type)(src, dst, n). Preconditions: `type` is dequantizable and `n` is a
// multiple of its block size.
void DequantizeRow(GgmlType type, const void* src, float* dst, int64_t n);

// Decodes a whole tensor of dst.size() elements; an error for a type rf cannot decode, an element
// count that is not a whole number of blocks, or a source of the wrong size.
absl::Status Dequantize(GgmlType type, std::span<const uint8_t> src, std::span<float> dst);
absl::StatusOr<std::vector<float>> DequantizeToF32(GgmlType type, std::span<const uint8_t> src,
                                                   int64_t n);

}  // namespace rf::quant
