#include "support/byte_reader.h"

#include "absl/strings/str_cat.h"
#include "support/format.h"
#include "support/status.h"

namespace rf {

absl::Status ByteReader::ErrorAt(uint64_t offset, absl::string_view field,
                                 absl::string_view message) const {
  return absl::InvalidArgumentError(
      absl::StrCat(context_, ": byte ", WithCommas(offset), ": ", field, ": ", message));
}

absl::Status ByteReader::Need(uint64_t n, absl::string_view field) const {
  if (n <= remaining()) return absl::OkStatus();
  return Error(field, absl::StrCat("needs ", WithCommas(n), " bytes but only ",
                                   WithCommas(remaining()), " are left (truncated?)"));
}

absl::StatusOr<std::span<const uint8_t>> ByteReader::Bytes(uint64_t n, absl::string_view field) {
  RF_RETURN_IF_ERROR(Need(n, field));
  std::span<const uint8_t> out = bytes_.subspan(pos_, n);
  pos_ += n;
  return out;
}

absl::StatusOr<absl::string_view> ByteReader::String(absl::string_view field, uint32_t max_len) {
  const uint64_t start = offset();
  RF_ASSIGN_OR_RETURN(uint32_t len, Read<uint32_t>(field));
  if (len > max_len) {
    return ErrorAt(
        start, field,
        absl::StrCat("length ", WithCommas(len), " is over the limit of ", WithCommas(max_len)));
  }
  if (len > remaining()) {
    return ErrorAt(start, field,
                   absl::StrCat("length ", WithCommas(len), " runs past the end (",
                                WithCommas(remaining()), " bytes left; truncated?)"));
  }
  absl::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
  pos_ += len;
  return s;
}

absl::StatusOr<uint32_t> ByteReader::Count(absl::string_view field, uint64_t min_item_bytes) {
  const uint64_t start = offset();
  RF_ASSIGN_OR_RETURN(uint32_t n, Read<uint32_t>(field));
  if (min_item_bytes > 0 && n > remaining() / min_item_bytes) {
    return ErrorAt(
        start, field,
        absl::StrCat("count ", WithCommas(n), " cannot fit in the ", WithCommas(remaining()),
                     " bytes left (at least ", min_item_bytes, " bytes each)"));
  }
  return n;
}

absl::Status ByteReader::ExpectEnd(absl::string_view field) const {
  if (at_end()) return absl::OkStatus();
  return Error(field, absl::StrCat(WithCommas(remaining()),
                                   " bytes left over (damaged, or written by another rfc?)"));
}

}  // namespace rf
