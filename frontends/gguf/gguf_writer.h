// Writes GGUF v3 files: metadata in insertion order, tensor infos, then the data section with each
// tensor aligned to general.alignment (32 unless set). The file is written atomically (temporary
// name, then rename), so a failed write never leaves a half-written model behind.
//
// Tensor data comes from a callback that fills the tensor's bytes when the writer reaches it, so a
// multi-gigabyte model can be generated one tensor at a time without holding it all in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "frontends/gguf/gguf.h"
#include "quant/types.h"

namespace rf::gguf {

class GgufWriter {
 public:
  // Fills exactly `out.size()` bytes of a tensor's data.
  using Fill = std::function<absl::Status(std::span<uint8_t> out)>;

  // Scalars. Setting a key again replaces its value (keeping its position).
  void SetU8(absl::string_view key, uint8_t v);
  void SetI8(absl::string_view key, int8_t v);
  void SetU16(absl::string_view key, uint16_t v);
  void SetI16(absl::string_view key, int16_t v);
  void SetU32(absl::string_view key, uint32_t v);
  void SetI32(absl::string_view key, int32_t v);
  void SetU64(absl::string_view key, uint64_t v);
  void SetI64(absl::string_view key, int64_t v);
  void SetF32(absl::string_view key, float v);
  void SetF64(absl::string_view key, double v);
  void SetBool(absl::string_view key, bool v);
  void SetString(absl::string_view key, absl::string_view v);
  // Arrays of numbers: `elem_type` says how each element is stored; values are converted.
  void SetIntArray(absl::string_view key, ValueType elem_type, std::span<const int64_t> values);
  void SetFloatArray(absl::string_view key, ValueType elem_type, std::span<const double> values);
  void SetStringArray(absl::string_view key, std::span<const std::string> values);
  // Copies a value read from another file (any type, arrays included).
  void SetValue(absl::string_view key, const Value& value);
  bool Has(absl::string_view key) const;
  void Remove(absl::string_view key);

  // Adds a tensor; dims[0] is innermost, as in ggml. Its data is produced by `fill` at write time;
  // a null `fill` makes it all zeros (a hole in the file when large: see AtomicFileWriter).
  absl::Status AddTensor(absl::string_view name, std::vector<int64_t> dims, quant::GgmlType type,
                         Fill fill);
  // Adds a tensor whose bytes are given now (copied).
  absl::Status AddTensor(absl::string_view name, std::vector<int64_t> dims, quant::GgmlType type,
                         std::span<const uint8_t> data);

  // general.alignment if set as a u32, else the default 32.
  uint32_t alignment() const;

  // Writes the file (atomically). May be called once.
  absl::Status WriteFile(const std::string& path);

 private:
  struct Entry {
    std::string key;
    std::string encoded;  // u32 type + value, as in the file
  };
  struct Tensor {
    std::string name;
    std::vector<int64_t> dims;
    quant::GgmlType type;
    uint64_t n_bytes = 0;
    uint64_t offset = 0;
    Fill fill;
  };
  void Put(absl::string_view key, std::string encoded);
  void CheckNumeric(absl::string_view key, ValueType elem_type);
  std::optional<uint32_t> AlignmentValue() const;

  std::vector<Entry> metadata_;
  std::vector<Tensor> tensors_;
  absl::Status invalid_;  // the first misuse of a setter, reported by WriteFile
};

}  // namespace rf::gguf
