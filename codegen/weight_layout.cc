#include "codegen/weight_layout.h"

#include <cstring>

#include "quant/types.h"

namespace rf::codegen {

bool UsesPlanes(uint32_t ggml_type) {
  const auto t = static_cast<quant::GgmlType>(ggml_type);
  return t == quant::GgmlType::kQ8_0 || t == quant::GgmlType::kQ4_0 || t == quant::GgmlType::kQ6_K;
}

namespace {

// q6_K super-blocks {ql[128], qh[64], scales[16], d} -> four planes, each row-major:
// ql [N x K/2], qh [N x K/4], scales [N x K/16], d [N x K/256 f16].
void RepackQ6K(const uint8_t* src, uint8_t* dst, int64_t rows, int64_t k) {
  const int64_t blocks = k / 256;
  uint8_t* ql = dst;
  uint8_t* qh = ql + rows * k / 2;
  uint8_t* sc = qh + rows * k / 4;
  uint8_t* d = sc + rows * k / 16;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      const uint8_t* block = src + (r * blocks + b) * 210;
      std::memcpy(ql + (r * blocks + b) * 128, block, 128);
      std::memcpy(qh + (r * blocks + b) * 64, block + 128, 64);
      std::memcpy(sc + (r * blocks + b) * 16, block + 192, 16);
      std::memcpy(d + (r * blocks + b) * 2, block + 208, 2);
    }
  }
}

}  // namespace

void RepackToPlanes(uint32_t ggml_type, const uint8_t* src, uint8_t* dst, int64_t rows, int64_t k) {
  if (static_cast<quant::GgmlType>(ggml_type) == quant::GgmlType::kQ6_K) {
    RepackQ6K(src, dst, rows, k);
    return;
  }
  const quant::TypeInfo& info = quant::Info(static_cast<quant::GgmlType>(ggml_type));
  const int64_t blocks = k / 32;
  const int64_t quant_bytes = info.type_size - 2;  // the block minus its f16 scale
  uint8_t* quants = dst;
  uint8_t* scales = dst + rows * blocks * quant_bytes;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < blocks; ++b) {
      const uint8_t* block = src + (r * blocks + b) * info.type_size;
      std::memcpy(scales + (r * blocks + b) * 2, block, 2);
      std::memcpy(quants + (r * blocks + b) * quant_bytes, block + 2, quant_bytes);
    }
  }
}

}  // namespace rf::codegen
