// A test-only GGUF byte builder: bad files are written as the fields they hold, so that a test
// reads as what is wrong with its file (and the offsets its errors must name come from the builder,
// not from counting bytes of a hex blob).
//
//   GgufBytes b;
//   b.Header(/*n_tensors=*/0, /*n_kv=*/1);
//   const uint64_t at = b.size();
//   b.Key("k").U32(99);  // a value type id that does not exist
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "frontends/gguf/gguf.h"

namespace rf::gguf::testing {

class GgufBytes {
 public:
  // Raw little-endian fields.
  GgufBytes& U8(uint8_t v) { return Raw(v); }
  GgufBytes& U16(uint16_t v) { return Raw(v); }
  GgufBytes& U32(uint32_t v) { return Raw(v); }
  GgufBytes& U64(uint64_t v) { return Raw(v); }
  GgufBytes& I8(int8_t v) { return Raw(v); }
  GgufBytes& I16(int16_t v) { return Raw(v); }
  GgufBytes& I32(int32_t v) { return Raw(v); }
  GgufBytes& I64(int64_t v) { return Raw(v); }
  GgufBytes& F32(float v) { return Raw(v); }
  GgufBytes& F64(double v) { return Raw(v); }
  GgufBytes& Bytes(absl::string_view s) {
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  GgufBytes& Zeros(uint64_t n) {
    bytes_.resize(bytes_.size() + n, 0);
    return *this;
  }
  // A GGUF string: u64 length, then the bytes.
  GgufBytes& Str(absl::string_view s) { return U64(s.size()).Bytes(s); }
  // Zeros up to the next multiple of `alignment`.
  GgufBytes& PadTo(uint64_t alignment) {
    return Zeros((alignment - bytes_.size() % alignment) % alignment);
  }

  // "GGUF", version, tensor count, key-value count.
  GgufBytes& Header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    return U32(kMagic).U32(version).U64(n_tensors).U64(n_kv);
  }
  // A key and its value type; the value follows (U32(7) for a u32, Str("x") for a string, ...).
  GgufBytes& Key(absl::string_view key, ValueType type) {
    return Str(key).U32(static_cast<uint32_t>(type));
  }
  GgufBytes& KvU32(absl::string_view key, uint32_t v) { return Key(key, ValueType::kU32).U32(v); }
  GgufBytes& KvString(absl::string_view key, absl::string_view v) {
    return Key(key, ValueType::kString).Str(v);
  }
  // An array key: its element type and count; the elements follow.
  GgufBytes& ArrayKey(absl::string_view key, ValueType elem_type, uint64_t count) {
    return Key(key, ValueType::kArray).U32(static_cast<uint32_t>(elem_type)).U64(count);
  }
  // A tensor info: name, n_dims, dims (innermost first), type id, data offset.
  GgufBytes& Tensor(absl::string_view name, std::initializer_list<uint64_t> dims, uint32_t type,
                    uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) U64(d);
    return U32(type).U64(offset);
  }
  GgufBytes& Tensor(absl::string_view name, std::initializer_list<uint64_t> dims,
                    quant::GgmlType type, uint64_t offset) {
    return Tensor(name, dims, static_cast<uint32_t>(type), offset);
  }

  uint64_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  template <typename T>
  GgufBytes& Raw(T v) {
    uint8_t buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));
    bytes_.insert(bytes_.end(), buf, buf + sizeof(T));
    return *this;
  }

  std::vector<uint8_t> bytes_;
};

}  // namespace rf::gguf::testing
