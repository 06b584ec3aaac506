// Writes a file so that readers see either the old file or the complete new one, never half of it:
// the bytes go to a temporary file beside the target, which is renamed over it on Commit(). A
// writer destroyed without Commit() (an error on the way) removes its temporary file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rf {

class AtomicFileWriter {
 public:
  static absl::StatusOr<AtomicFileWriter> Create(const std::string& path);

  AtomicFileWriter(AtomicFileWriter&& other) noexcept;
  AtomicFileWriter& operator=(AtomicFileWriter&&) = delete;
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  absl::Status Write(std::span<const uint8_t> bytes);
  absl::Status Write(absl::string_view bytes) {
    return Write({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
  }
  // Writes `n` zero bytes (padding); runs of 1 MiB or more become a hole (a sparse file).
  absl::Status WriteZeros(size_t n);
  // Bytes written so far.
  uint64_t offset() const { return offset_; }
  // Flushes, closes and renames the temporary file over the target.
  absl::Status Commit();

 private:
  AtomicFileWriter(std::string path, std::string temp_path, int fd)
      : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd) {}
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
  uint64_t offset_ = 0;
};

// Writes `bytes` to `path` atomically.
absl::Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes);

// Reads a whole (small) file into a string.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

}  // namespace rf
