#include "runtime/tokenizer/stream_decoder.h"

namespace rf::tokenizer {
namespace {

constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";

// The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF) that starts `s`; 0 if it is invalid; -1 if `s` is a valid but incomplete start.
int SequenceAt(absl::string_view s) {
  const uint8_t b0 = static_cast<uint8_t>(s[0]);
  if (b0 < 0x80) return 1;
  int len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  for (int k = 1; k < len; ++k) {
    if (static_cast<size_t>(k) >= s.size()) return -1;
    const uint8_t b = static_cast<uint8_t>(s[k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return len;
}

}  // namespace

size_t AppendValidUtf8(absl::string_view bytes, std::string* out) {
  size_t i = 0;
  while (i < bytes.size()) {
    const int len = SequenceAt(bytes.substr(i));
    if (len < 0) return bytes.size() - i;  // incomplete: hold it back
    if (len == 0) {
      out->append(kReplacement.data(), kReplacement.size());
      ++i;
    } else {
      out->append(bytes.data() + i, len);
      i += len;
    }
  }
  return 0;
}

std::string StreamDecoder::Next(int32_t id) {
  const absl::string_view piece = tokenizer_.TokenToPiece(id, render_special_);
  pending_.append(piece.data(), piece.size());
  std::string out;
  const size_t held = AppendValidUtf8(pending_, &out);
  pending_.erase(0, pending_.size() - held);
  return out;
}

std::string StreamDecoder::Finish() {
  std::string out;
  if (!pending_.empty()) out.append(kReplacement.data(), kReplacement.size());
  pending_.clear();
  return out;
}

}  // namespace rf::tokenizer
