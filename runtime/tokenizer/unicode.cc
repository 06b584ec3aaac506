#include "runtime/tokenizer/unicode.h"

#include <array>
#include <map>

namespace rf::tokenizer {
namespace {

constexpr uint32_t kMaxCodepoint = 0x10FFFF;

struct Range {
  uint32_t first;
  Category category;
  bool whitespace;
};

constexpr Range kRanges[] = {
#include "runtime/tokenizer/unicode_categories.inc"
};

// Two-stage lookup built once from kRanges: blocks of 256 code points, identical blocks shared
// (about 80 KB instead of a 1.1 MB flat table). Entry: category | whitespace << 7.
class ClassTable {
 public:
  ClassTable() {
    constexpr size_t kBlocks = (kMaxCodepoint + 1) / 256;
    block_of_.resize(kBlocks);
    size_t range = 0;
    std::array<uint8_t, 256> block;
    std::map<std::array<uint8_t, 256>, uint16_t> index;
    for (size_t b = 0; b < kBlocks; ++b) {
      for (uint32_t i = 0; i < 256; ++i) {
        const uint32_t cpt = static_cast<uint32_t>(b * 256 + i);
        while (range + 1 < std::size(kRanges) && kRanges[range + 1].first <= cpt) ++range;
        block[i] = static_cast<uint8_t>(static_cast<uint8_t>(kRanges[range].category) |
                                        (kRanges[range].whitespace ? 0x80 : 0));
      }
      auto [it, inserted] = index.emplace(block, static_cast<uint16_t>(blocks_.size()));
      if (inserted) blocks_.push_back(block);
      block_of_[b] = it->second;
    }
  }

  uint8_t Get(uint32_t cpt) const { return blocks_[block_of_[cpt >> 8]][cpt & 0xFF]; }

 private:
  std::vector<uint16_t> block_of_;
  std::vector<std::array<uint8_t, 256>> blocks_;
};

const ClassTable& Table() {
  static const ClassTable* table = new ClassTable();
  return *table;
}

}  // namespace

CodepointClass Classify(uint32_t cpt) {
  if (cpt > kMaxCodepoint) return {};
  const uint8_t v = Table().Get(cpt);
  return {static_cast<Category>(v & 0x7F), (v & 0x80) != 0};
}

uint32_t DecodeUtf8(absl::string_view text, size_t* pos) {
  const size_t i = *pos;
  const size_t n = text.size();
  auto b = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  auto cont = [&](size_t k) { return i + k < n && (b(k) & 0xC0) == 0x80; };
  const uint8_t lead = b(0);
  if (lead < 0x80) {
    *pos = i + 1;
    return lead;
  }
  if (lead >= 0xC0 && lead < 0xE0 && cont(1)) {
    *pos = i + 2;
    return (static_cast<uint32_t>(lead & 0x1F) << 6) | (b(1) & 0x3F);
  }
  if (lead >= 0xE0 && lead < 0xF0 && cont(1) && cont(2)) {
    *pos = i + 3;
    return (static_cast<uint32_t>(lead & 0x0F) << 12) | (static_cast<uint32_t>(b(1) & 0x3F) << 6) |
           (b(2) & 0x3F);
  }
  if (lead >= 0xF0 && lead < 0xF8 && cont(1) && cont(2) && cont(3)) {
    const uint32_t cpt = (static_cast<uint32_t>(lead & 0x07) << 18) |
                         (static_cast<uint32_t>(b(1) & 0x3F) << 12) |
                         (static_cast<uint32_t>(b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    if (cpt <= kMaxCodepoint) {
      *pos = i + 4;
      return cpt;
    }
  }
  *pos = i + 1;
  return kReplacementChar;
}

std::vector<uint32_t> DecodeUtf8(absl::string_view text) {
  std::vector<uint32_t> cpts;
  cpts.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) cpts.push_back(DecodeUtf8(text, &pos));
  return cpts;
}

void AppendUtf8(uint32_t cpt, std::string* out) {
  if (cpt < 0x80) {
    out->push_back(static_cast<char>(cpt));
  } else if (cpt < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cpt >> 6)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else if (cpt < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cpt >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cpt >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  }
}

}  // namespace rf::tokenizer
