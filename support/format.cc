#include "support/format.h"

#include "absl/strings/str_format.h"

namespace rf {

std::string WithCommas(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int lead = static_cast<int>(digits.size() % 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (static_cast<int>(i) - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string HumanBytes(uint64_t n) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (n < 1024) return absl::StrFormat("%d B", n);
  double v = static_cast<double>(n);
  int unit = -1;
  while (v >= 1024.0 && unit < 3) {
    v /= 1024.0;
    ++unit;
  }
  return absl::StrFormat("%.2f %s", v, kUnits[unit]);
}

std::string Printable(absl::string_view s, size_t max_bytes) {
  std::string out;
  for (size_t k = 0; k < s.size(); ++k) {
    if (k == max_bytes) {
      out += absl::StrFormat("... (%s bytes)", WithCommas(s.size()));
      break;
    }
    const unsigned char c = static_cast<unsigned char>(s[k]);
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      out += absl::StrFormat("\\x%02x", c);
    } else {
      out.push_back(s[k]);
    }
  }
  return out;
}

}  // namespace rf
