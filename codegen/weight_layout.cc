#include "codegen/weight_layout.h"

#include <cstring>

#include "quant/types.h"

namespace rf::codegen {

bool UsesPlanes(uint32_t ggml_type) {
  const auto t = static_cast<quant::GgmlType>(ggml_type);
  return t == quant::GgmlType::kQ8_0 || t == quant::GgmlType::kQ4_0;
}

void RepackToPlanes(uint32_t ggml_type, const uint8_t* src, uint8_t* dst, int64_t rows, int64_t k) {
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
