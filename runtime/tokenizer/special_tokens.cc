#include "runtime/tokenizer/special_tokens.h"

#include <algorithm>

namespace rf::tokenizer {
namespace {

// C's isspace in the "C" locale (what llama.cpp's lstrip/rstrip use): bytes >= 0x80 are not.
bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

SpecialTokenSplitter::SpecialTokenSplitter(const Vocab& vocab) : vocab_(vocab) {
  for (size_t id = 0; id < vocab.tokens.size(); ++id) {
    if (vocab.attrs[id] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
      specials_.push_back(static_cast<int32_t>(id));
    }
  }
  // std::sort, not stable_sort: tokens of equal length keep the order llama.cpp's std::sort gives
  // them from the same input (it decides which of two overlapping specials of one length wins).
  std::sort(specials_.begin(), specials_.end(), [&](int32_t a, int32_t b) {
    return vocab_.tokens[a].size() > vocab_.tokens[b].size();
  });
}

std::vector<Fragment> SpecialTokenSplitter::Split(absl::string_view text,
                                                  bool parse_special) const {
  std::vector<Fragment> fragments;
  if (text.empty()) return fragments;
  fragments.push_back({kNoToken, 0, text.size()});
  std::vector<Fragment> next;
  for (int32_t id : specials_) {
    const uint32_t attr = vocab_.attrs[id];
    if (!parse_special && (attr & (kAttrControl | kAttrUnknown))) continue;
    const absl::string_view special = vocab_.tokens[id];
    if (text.find(special) == absl::string_view::npos) continue;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        next.push_back(f);
        continue;
      }
      size_t pos = f.offset;
      const size_t end = f.offset + f.length;
      while (true) {
        const size_t match = text.substr(0, end).find(special, pos);
        if (match == absl::string_view::npos) {
          if (pos < end) next.push_back({kNoToken, pos, end - pos});
          break;
        }
        size_t left = match - pos;
        if (attr & kAttrLstrip) {
          while (left > 0 && IsAsciiSpace(text[pos + left - 1])) --left;
        }
        if (left > 0) next.push_back({kNoToken, pos, left});
        next.push_back({id, 0, 0});
        pos = match + special.size();
        if (attr & kAttrRstrip) {
          while (pos < end && IsAsciiSpace(text[pos])) ++pos;
        }
        if (pos >= end) break;
      }
    }
    fragments.swap(next);
  }
  return fragments;
}

}  // namespace rf::tokenizer
