// Bounds-checked reading of little-endian binary data from untrusted bytes (plan files, caches).
// Every read checks the bytes left first, and every error names where it happened: the context
// ("model.plan: section 'meta'"), the absolute byte offset in the file, and the field being read.
// Counts are checked against the bytes left before the caller allocates anything for them, so a
// hostile count of 2^60 fails at once instead of reserving memory.
//
// ByteWriter is its counterpart: appends the same encodings to a growing buffer.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rf {

class ByteReader {
 public:
  // `bytes` start at absolute offset `base` of the file that `context` names.
  ByteReader(std::string context, std::span<const uint8_t> bytes, uint64_t base = 0)
      : context_(std::move(context)), bytes_(bytes), base_(base) {}

  uint64_t offset() const { return base_ + pos_; }  // absolute
  uint64_t remaining() const { return bytes_.size() - pos_; }
  bool at_end() const { return pos_ == bytes_.size(); }

  // "<context>: byte <offset>: <field>: <message>", InvalidArgument.
  absl::Status ErrorAt(uint64_t offset, absl::string_view field, absl::string_view message) const;
  absl::Status Error(absl::string_view field, absl::string_view message) const {
    return ErrorAt(offset(), field, message);
  }

  // A little-endian integer or float.
  template <typename T>
  absl::StatusOr<T> Read(absl::string_view field) {
    static_assert(std::is_arithmetic_v<T>);
    static_assert(std::endian::native == std::endian::little, "big-endian hosts are not supported");
    if (absl::Status s = Need(sizeof(T), field); !s.ok()) return s;
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // The next `n` bytes, as a view.
  absl::StatusOr<std::span<const uint8_t>> Bytes(uint64_t n, absl::string_view field);
  // A u32 length, then that many bytes; a length above `max_len` is an error.
  absl::StatusOr<absl::string_view> String(absl::string_view field, uint32_t max_len = UINT32_MAX);
  // A u32 count of items that take at least `min_item_bytes` each: a count the bytes left cannot
  // hold is an error (so the caller may reserve it).
  absl::StatusOr<uint32_t> Count(absl::string_view field, uint64_t min_item_bytes);
  // An error if any bytes are left: "<field>: N bytes left over".
  absl::Status ExpectEnd(absl::string_view field) const;

 private:
  absl::Status Need(uint64_t n, absl::string_view field) const;

  std::string context_;
  std::span<const uint8_t> bytes_;
  uint64_t base_ = 0;
  uint64_t pos_ = 0;
};

class ByteWriter {
 public:
  template <typename T>
  void Write(T v) {
    static_assert(std::is_arithmetic_v<T>);
    static_assert(std::endian::native == std::endian::little, "big-endian hosts are not supported");
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &v, sizeof(T));
  }
  void Bytes(std::span<const uint8_t> b) { bytes_.insert(bytes_.end(), b.begin(), b.end()); }
  // u32 length + bytes; the caller keeps strings below 4 GiB (ByteReader::String's format).
  void String(absl::string_view s) {
    Write<uint32_t>(static_cast<uint32_t>(s.size()));
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }

  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  std::vector<uint8_t> Take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace rf
