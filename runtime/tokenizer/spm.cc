#include "runtime/tokenizer/spm.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "runtime/tokenizer/unicode.h"

namespace rf::tokenizer {
namespace {

constexpr absl::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

struct Symbol {
  int prev;
  int next;
  size_t offset;  // into the text
  size_t length;  // 0 once merged into its left neighbour
};

struct Bigram {
  int left;
  int right;
  float score;
  size_t length;
};

// Highest score first; among equal scores the leftmost pair (llama.cpp's order, which decides
// between overlapping pairs such as "aaa").
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

}  // namespace

SpmEncoder::SpmEncoder(const Vocab& vocab, const TokenMap& tokens)
    : vocab_(vocab), tokens_(tokens) {
  // Words may be merged separately when every token is a run of spaces followed by text without
  // one: then no merge can join a non-space to a following space. (Why: such a merge makes a
  // token whose space-run reaches past the join, so everything left of the join is spaces, and
  // the symbols there, cut by lead byte from a symbol boundary, are single spaces.)
  split_at_spaces_ = true;
  for (const std::string& t : vocab.tokens) {
    absl::string_view rest = t;
    while (absl::ConsumePrefix(&rest, kSpace)) {
    }
    if (rest.find(kSpace) != absl::string_view::npos) {
      split_at_spaces_ = false;
      break;
    }
  }
  for (int b = 0; b < 256; ++b) {
    int32_t id = FindToken(tokens_, absl::StrFormat("<0x%02X>", b));
    // The fallback looks the byte up as a C string, so byte 0 is the empty text: never a token.
    if (id == kNoToken && b != 0) id = FindToken(tokens_, std::string(1, static_cast<char>(b)));
    // llama.cpp throws (and the process ends) when a byte has no token; we use unk, or drop it.
    byte_token_[b] = id != kNoToken ? id : vocab_.unk;
  }
}

void SpmEncoder::AppendBytes(absl::string_view text, std::vector<int32_t>* out) const {
  for (char c : text) {
    const int32_t id = byte_token_[static_cast<uint8_t>(c)];
    if (id != kNoToken) out->push_back(id);
  }
}

void SpmEncoder::Encode(absl::string_view text, std::vector<int32_t>* out) const {
  if (text.empty()) return;
  // One symbol per UTF-8 character, judged by its first byte only (invalid bytes stay as they are
  // and end up as byte tokens).
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < text.size();) {
    const size_t len =
        std::min(Utf8SequenceLength(static_cast<uint8_t>(text[offset])), text.size() - offset);
    symbols.push_back({-1, -1, offset, len});
    offset += len;
  }
  auto is_space = [&](size_t i) {
    return text.substr(symbols[i].offset, symbols[i].length) == kSpace;
  };

  // Merge within each word on its own: a word starts at a space that follows a non-space. The
  // result is the same as merging the whole text at once when no token can span such a boundary
  // (split_at_spaces_), and the queue stays small.
  std::vector<Bigram> queue;
  const LowerPriority lower;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const size_t len = symbols[left].length + symbols[right].length;
    const int32_t id = FindToken(tokens_, text.substr(symbols[left].offset, len));
    if (id == kNoToken) return;
    queue.push_back({left, right, vocab_.scores[id], len});
    std::push_heap(queue.begin(), queue.end(), lower);
  };
  const int n = static_cast<int>(symbols.size());
  for (int begin = 0; begin < n;) {
    int end = begin + 1;
    if (split_at_spaces_) {
      while (end < n && !(is_space(end) && !is_space(end - 1))) ++end;
    } else {
      end = n;
    }
    for (int i = begin; i < end; ++i) {
      symbols[i].prev = i == begin ? -1 : i - 1;
      symbols[i].next = i + 1 == end ? -1 : i + 1;
    }
    queue.clear();
    for (int i = begin + 1; i < end; ++i) try_add(i - 1, i);
    while (!queue.empty()) {
      std::pop_heap(queue.begin(), queue.end(), lower);
      const Bigram bigram = queue.back();
      queue.pop_back();
      Symbol& left = symbols[bigram.left];
      Symbol& right = symbols[bigram.right];
      // Symbols only grow, so a pair whose lengths no longer add up changed since it was queued.
      if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
        continue;
      }
      left.length += right.length;
      right.length = 0;
      left.next = right.next;
      if (right.next >= 0) symbols[right.next].prev = bigram.left;
      try_add(left.prev, bigram.left);
      try_add(bigram.left, left.next);
    }
    // Every merged symbol is a token; a single character that is not becomes byte tokens.
    // (llama.cpp also consults a table of the merges here, but it can only hold texts that are
    // tokens, so it never applies.)
    for (int i = begin; i != -1; i = symbols[i].next) {
      const absl::string_view piece = text.substr(symbols[i].offset, symbols[i].length);
      const int32_t id = FindToken(tokens_, piece);
      if (id != kNoToken) {
        out->push_back(id);
      } else {
        AppendBytes(piece, out);
      }
    }
    begin = end;
  }
}

}  // namespace rf::tokenizer
