// Type -> row function tables, and the whole-tensor helpers that check sizes.
#include "absl/strings/str_cat.h"
#include "quant/dequantize.h"
#include "quant/quantize.h"
#include "quant/rows.h"
#include "support/status.h"

namespace rf::quant {

DequantizeRowFn GetDequantizeRow(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
      return DequantizeRowF32;
    case GgmlType::kF16:
      return DequantizeRowF16;
    case GgmlType::kBF16:
      return DequantizeRowBF16;
    case GgmlType::kQ4_0:
      return DequantizeRowQ4_0;
    case GgmlType::kQ4_1:
      return DequantizeRowQ4_1;
    case GgmlType::kQ5_0:
      return DequantizeRowQ5_0;
    case GgmlType::kQ5_1:
      return DequantizeRowQ5_1;
    case GgmlType::kQ8_0:
      return DequantizeRowQ8_0;
    case GgmlType::kQ2_K:
      return DequantizeRowQ2_K;
    case GgmlType::kQ3_K:
      return DequantizeRowQ3_K;
    case GgmlType::kQ4_K:
      return DequantizeRowQ4_K;
    case GgmlType::kQ5_K:
      return DequantizeRowQ5_K;
    case GgmlType::kQ6_K:
      return DequantizeRowQ6_K;
    case GgmlType::kQ8_K:
      return DequantizeRowQ8_K;
    default:
      return nullptr;
  }
}

QuantizeRowFn GetQuantizeRow(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
      return QuantizeRowF32;
    case GgmlType::kF16:
      return QuantizeRowF16;
    case GgmlType::kBF16:
      return QuantizeRowBF16;
    case GgmlType::kQ4_0:
      return QuantizeRowQ4_0;
    case GgmlType::kQ4_1:
      return QuantizeRowQ4_1;
    case GgmlType::kQ5_0:
      return QuantizeRowQ5_0;
    case GgmlType::kQ5_1:
      return QuantizeRowQ5_1;
    case GgmlType::kQ8_0:
      return QuantizeRowQ8_0;
    case GgmlType::kQ2_K:
      return QuantizeRowQ2_K;
    case GgmlType::kQ3_K:
      return QuantizeRowQ3_K;
    case GgmlType::kQ4_K:
      return QuantizeRowQ4_K;
    case GgmlType::kQ5_K:
      return QuantizeRowQ5_K;
    case GgmlType::kQ6_K:
      return QuantizeRowQ6_K;
    case GgmlType::kQ8_K:
      return QuantizeRowQ8_K;
    default:
      return nullptr;
  }
}

void DequantizeRow(GgmlType type, const void* src, float* dst, int64_t n) {
  DequantizeRowFn fn = GetDequantizeRow(type);
  if (fn == nullptr) __builtin_trap();  // precondition: Info(type).dequantizable
  fn(src, dst, n);
}

namespace {

// Checks that `n` elements of `type` are whole blocks taking exactly `bytes` bytes.
absl::Status CheckSizes(GgmlType type, int64_t n, uint64_t bytes, absl::string_view what) {
  RF_ASSIGN_OR_RETURN(uint64_t expected, RowBytes(type, n));
  if (expected != bytes) {
    return absl::InvalidArgumentError(absl::StrCat(n, " elements of ", TypeName(type), " take ",
                                                   expected, " bytes, but the ", what, " has ",
                                                   bytes));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Dequantize(GgmlType type, std::span<const uint8_t> src, std::span<float> dst) {
  DequantizeRowFn fn = GetDequantizeRow(type);
  if (fn == nullptr) {
    return absl::UnimplementedError(
        absl::StrCat("cannot dequantize tensors of type ", TypeName(type)));
  }
  const int64_t n = static_cast<int64_t>(dst.size());
  RF_RETURN_IF_ERROR(CheckSizes(type, n, src.size(), "source"));
  fn(src.data(), dst.data(), n);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> DequantizeToF32(GgmlType type, std::span<const uint8_t> src,
                                                   int64_t n) {
  if (n < 0) return absl::InvalidArgumentError(absl::StrCat("negative element count ", n));
  RF_RETURN_IF_ERROR(CheckSizes(type, n, src.size(), "source"));
  std::vector<float> out(static_cast<size_t>(n));
  RF_RETURN_IF_ERROR(Dequantize(type, src, out));
  return out;
}

absl::Status Quantize(GgmlType type, std::span<const float> src, std::span<uint8_t> dst) {
  QuantizeRowFn fn = GetQuantizeRow(type);
  if (fn == nullptr) {
    return absl::UnimplementedError(absl::StrCat("cannot quantize to type ", TypeName(type)));
  }
  const int64_t n = static_cast<int64_t>(src.size());
  RF_RETURN_IF_ERROR(CheckSizes(type, n, dst.size(), "destination"));
  fn(src.data(), dst.data(), n);
  return absl::OkStatus();
}

}  // namespace rf::quant
