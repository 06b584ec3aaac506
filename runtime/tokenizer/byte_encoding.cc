#include "runtime/tokenizer/byte_encoding.h"

#include <array>

#include "runtime/tokenizer/unicode.h"

namespace rf::tokenizer {
namespace {

bool StandsForItself(int b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

struct Tables {
  std::array<uint32_t, 256> cpt;
  std::array<std::string, 256> utf8;
  Tables() {
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      cpt[b] = StandsForItself(b) ? static_cast<uint32_t>(b) : next++;
      AppendUtf8(cpt[b], &utf8[b]);
    }
  }
};

const Tables& Get() {
  static const Tables* tables = new Tables();
  return *tables;
}

}  // namespace

uint32_t ByteToCodepoint(uint8_t byte) {
  return Get().cpt[byte];
}

int CodepointToByte(uint32_t cpt) {
  if (cpt < 256) return StandsForItself(static_cast<int>(cpt)) ? static_cast<int>(cpt) : -1;
  if (cpt >= 256 + 68) return -1;
  // The k-th byte that does not stand for itself is U+0100 + k.
  int k = static_cast<int>(cpt - 256);
  for (int b = 0; b < 256; ++b) {
    if (!StandsForItself(b) && k-- == 0) return b;
  }
  return -1;
}

void AppendByteEncoded(absl::string_view bytes, std::string* out) {
  const Tables& t = Get();
  for (char c : bytes) out->append(t.utf8[static_cast<uint8_t>(c)]);
}

}  // namespace rf::tokenizer
