#include "support/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace rf {

absl::StatusOr<AtomicFileWriter> AtomicFileWriter::Create(const std::string& path) {
  std::string temp = absl::StrCat(path, ".tmp.XXXXXX");
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(path, ": cannot create a temporary file beside it: ", std::strerror(errno)));
  }
  return AtomicFileWriter(path, std::string(name.data()), fd);
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      fd_(std::exchange(other.fd_, -1)),
      offset_(other.offset_) {}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temp_path_.c_str());
  }
}

absl::Status AtomicFileWriter::Write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": writer is closed"));
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::DataLossError(
          absl::StrCat(path_, ": write failed at byte ", offset_, ": ", std::strerror(errno)));
    }
    p += n;
    left -= static_cast<size_t>(n);
    offset_ += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::WriteZeros(size_t n) {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": writer is closed"));
  // Long runs become a hole: the file reads them as zeros and stores nothing (Commit sets the size
  // when the file ends in one). Large all-zero tensors then cost no disk.
  constexpr size_t kHoleBytes = size_t{1} << 20;
  if (n >= kHoleBytes) {
    if (::lseek(fd_, static_cast<off_t>(n), SEEK_CUR) < 0) {
      return absl::DataLossError(
          absl::StrCat(path_, ": cannot seek past byte ", offset_, ": ", std::strerror(errno)));
    }
    offset_ += n;
    return absl::OkStatus();
  }
  static const uint8_t kZeros[4096] = {};
  while (n > 0) {
    size_t chunk = n < sizeof(kZeros) ? n : sizeof(kZeros);
    absl::Status s = Write({kZeros, chunk});
    if (!s.ok()) return s;
    n -= chunk;
  }
  return absl::OkStatus();
}

absl::Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return absl::FailedPreconditionError(absl::StrCat(path_, ": writer is closed"));
  if (::ftruncate(fd_, static_cast<off_t>(offset_)) != 0 || ::fsync(fd_) != 0 ||
      ::close(fd_) != 0) {
    int err = errno;
    fd_ = -1;
    ::unlink(temp_path_.c_str());
    return absl::DataLossError(absl::StrCat(path_, ": cannot flush: ", std::strerror(err)));
  }
  fd_ = -1;
  // mkstemp creates 0600; give the result the usual permissions (subject to umask).
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::chmod(temp_path_.c_str(), 0666 & ~mask);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_path_.c_str());
    return absl::DataLossError(
        absl::StrCat(path_, ": cannot rename into place: ", std::strerror(err)));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  auto writer = AtomicFileWriter::Create(path);
  if (!writer.ok()) return writer.status();
  absl::Status s = writer->Write(bytes);
  if (!s.ok()) return s;
  return writer->Commit();
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rf
