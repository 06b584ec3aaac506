// The tensor element types of GGUF files (ggml's type ids), with their block layouts: a block of
// `block_size` elements takes `type_size` bytes. Every id that ggml defines is known here, so that
// the reader can check the size of any tensor; `dequantizable` says whether rf can decode it.
#pragma once

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace rf::quant {

enum class GgmlType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

struct TypeInfo {
  GgmlType type;
  const char* name;    // ggml's name: "f32", "q4_0", "q4_K", ...
  int block_size;      // elements per block
  int type_size;       // bytes per block
  bool dequantizable;  // rf can decode it to f32
};

// The traits of a type id, or nullptr for an id ggml does not define.
const TypeInfo* FindType(uint32_t id);
const TypeInfo& Info(GgmlType type);
inline const char* TypeName(GgmlType type) {
  return Info(type).name;
}
// Looks a type up by name, case-insensitively ("q4_k" and "Q4_K" both work).
absl::StatusOr<GgmlType> TypeFromName(absl::string_view name);

// Bytes taken by `n` elements of `type`; an error if `n` is not a whole number of blocks.
absl::StatusOr<uint64_t> RowBytes(GgmlType type, int64_t n);

inline bool IsQuantized(GgmlType t) {
  return Info(t).block_size > 1;
}

}  // namespace rf::quant
