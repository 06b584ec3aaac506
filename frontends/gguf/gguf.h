// The GGUF file format (versions 2 and 3), read zero-copy from a memory mapping.
//
//   header:   "GGUF" u32 version, u64 n_tensors, u64 n_kv
//   metadata: n_kv x (string key, u32 value_type, value)
//   tensors:  n_tensors x (string name, u32 n_dims, u64 dims[n_dims], u32 type, u64 offset)
//   padding to general.alignment (default 32), then the data section; tensor offsets are relative
//   to it and aligned. Strings are u64 length + bytes (no NUL). dims[0] is the innermost
//   (contiguous) dimension, as in ggml.
//
// Every field is bounds-checked before it is read: a hostile file gives an error that names the
// file, the byte offset and the field, and never makes the reader allocate more than the file
// could describe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "quant/types.h"
#include "support/mapped_file.h"

namespace rf::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr int kMaxDims = 4;

enum class ValueType : uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// "u32", "string", "array", ...; "type#N" for ids outside the enum.
std::string ValueTypeName(ValueType type);
// Bytes of one scalar of `type` (0 for string and array).
int ScalarSize(ValueType type);

// A metadata value. Scalars are held decoded; strings and arrays are views into the file.
struct Value {
  ValueType type = ValueType::kU8;
  // Scalars: integers in `i` (u64 values above INT64_MAX keep their bits in `u`), floats in `f`.
  uint64_t u = 0;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  absl::string_view str;  // kString
  // kArray: element type and count; numeric elements are `count` packed little-endian scalars at
  // `array_data`; string elements are in `strings`.
  ValueType elem_type = ValueType::kU8;
  uint64_t count = 0;
  const uint8_t* array_data = nullptr;
  std::vector<absl::string_view> strings;

  bool is_integer() const;
  bool is_float() const { return type == ValueType::kF32 || type == ValueType::kF64; }
  // Element `index` of a numeric array as a double / int64 (the caller checks bounds and type).
  // Float elements read as integers saturate (NaN reads 0).
  double ArrayAsDouble(uint64_t index) const;
  int64_t ArrayAsInt(uint64_t index) const;
  // "array[string; 32000]", "u32", ...
  std::string TypeString() const;
};

struct KeyValue {
  absl::string_view key;
  Value value;
  uint64_t file_offset = 0;  // where the key starts
};

struct TensorInfo {
  absl::string_view name;
  std::vector<int64_t> dims;  // dims[0] innermost (ggml's ne[0])
  quant::GgmlType type = quant::GgmlType::kF32;
  uint64_t offset = 0;  // relative to the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
  uint64_t info_offset = 0;       // where this tensor's info starts in the file
  const uint8_t* data = nullptr;  // view into the mapping

  std::span<const uint8_t> bytes() const { return {data, n_bytes}; }
  // "[896, 151936]" (ggml order, innermost first)
  std::string ShapeString() const;
};

class GgufFile {
 public:
  // Maps and parses `path`.
  static absl::StatusOr<std::unique_ptr<GgufFile>> Open(const std::string& path);
  // Parses bytes the caller keeps alive for the lifetime of the result; `name` is used in errors.
  static absl::StatusOr<std::unique_ptr<GgufFile>> Parse(std::string name,
                                                         std::span<const uint8_t> bytes);

  const std::string& name() const { return name_; }
  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return bytes_.size(); }

  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }

  const Value* Find(absl::string_view key) const;
  const TensorInfo* FindTensor(absl::string_view name) const;

  // Typed access. Integer getters accept any integer type whose value fits; a missing key or a
  // wrong type is an error such as "model.gguf: key llama.block_count: expected u32, found string".
  absl::StatusOr<uint32_t> GetU32(absl::string_view key) const;
  absl::StatusOr<uint64_t> GetU64(absl::string_view key) const;
  absl::StatusOr<int64_t> GetI64(absl::string_view key) const;
  absl::StatusOr<float> GetF32(absl::string_view key) const;
  absl::StatusOr<bool> GetBool(absl::string_view key) const;
  absl::StatusOr<absl::string_view> GetString(absl::string_view key) const;
  // The array under `key`, checking its element type.
  absl::StatusOr<const Value*> GetArray(absl::string_view key, ValueType elem_type) const;
  // Same getters with a default for a missing key (a present key of the wrong type is still an
  // error).
  absl::StatusOr<uint32_t> GetU32Or(absl::string_view key, uint32_t fallback) const;
  absl::StatusOr<float> GetF32Or(absl::string_view key, float fallback) const;
  absl::StatusOr<bool> GetBoolOr(absl::string_view key, bool fallback) const;

 private:
  GgufFile() = default;
  absl::Status ParseAll();
  absl::Status Error(absl::string_view key, absl::string_view message) const;

  std::string name_;
  MappedFile mapping_;  // empty when parsing borrowed bytes
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<TensorInfo> tensors_;
  absl::flat_hash_map<absl::string_view, size_t> key_index_;
  absl::flat_hash_map<absl::string_view, size_t> tensor_index_;
};

}  // namespace rf::gguf
