#include "runtime/tokenizer/bpe.h"

#include <queue>

#include "absl/strings/str_cat.h"
#include "runtime/tokenizer/byte_encoding.h"
#include "runtime/tokenizer/pre_tokenizer.h"
#include "runtime/tokenizer/unicode.h"

namespace rf::tokenizer {

struct BpeEncoder::Symbol {
  int prev;
  int next;
  size_t offset;  // into the word
  size_t length;  // 0 once merged into its left neighbour
  int32_t id;     // the token this symbol spells, or kNoToken
};

namespace {

struct Bigram {
  int left;
  int right;
  int32_t rank;
  int32_t result;
  size_t length;
};

// Lowest rank first; among equal ranks the leftmost pair.
struct LowerPriority {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

uint64_t PairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

}  // namespace

BpeEncoder::BpeEncoder(const Vocab& vocab, const TokenMap& tokens)
    : vocab_(vocab), tokens_(tokens) {
  by_ids_.reserve(vocab.merges.size());
  for (size_t rank = 0; rank < vocab.merges.size(); ++rank) {
    const absl::string_view merge = vocab.merges[rank];
    // Split at the first space after the first character (so " a" can be a left side); a merge
    // without one can never apply. A repeated merge keeps its first rank.
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : absl::string_view::npos;
    if (space == absl::string_view::npos) continue;
    const absl::string_view left = merge.substr(0, space);
    const absl::string_view right = merge.substr(space + 1);
    const int32_t left_id = FindToken(tokens_, left);
    const int32_t right_id = FindToken(tokens_, right);
    if (left_id != kNoToken && right_id != kNoToken) {
      const int32_t result = FindToken(tokens_, absl::StrCat(left, right));
      by_ids_.emplace(PairKey(left_id, right_id), Merge{static_cast<int32_t>(rank), result});
    } else {
      by_text_.emplace(merge, static_cast<int32_t>(rank));
    }
  }
}

BpeEncoder::Merge BpeEncoder::Find(absl::string_view word, const Symbol& left,
                                   const Symbol& right) const {
  if (left.id != kNoToken && right.id != kNoToken) {
    auto it = by_ids_.find(PairKey(left.id, right.id));
    return it == by_ids_.end() ? Merge{-1, kNoToken} : it->second;
  }
  if (by_text_.empty()) return {-1, kNoToken};
  const absl::string_view l = word.substr(left.offset, left.length);
  const absl::string_view r = word.substr(right.offset, right.length);
  auto it = by_text_.find(absl::StrCat(l, " ", r));
  if (it == by_text_.end()) return {-1, kNoToken};
  return {it->second, FindToken(tokens_, word.substr(left.offset, left.length + right.length))};
}

void BpeEncoder::EncodeWord(absl::string_view word, std::vector<int32_t>* out) const {
  if (vocab_.ignore_merges) {
    const int32_t id = FindToken(tokens_, word);
    if (id != kNoToken) {
      out->push_back(id);
      return;
    }
  }
  std::vector<Symbol> symbols;
  for (size_t offset = 0; offset < word.size();) {
    const size_t len =
        std::min(Utf8SequenceLength(static_cast<uint8_t>(word[offset])), word.size() - offset);
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({index - 1, offset + len == word.size() ? -1 : index + 1, offset, len,
                       FindToken(tokens_, word.substr(offset, len))});
    offset += len;
  }

  std::priority_queue<Bigram, std::vector<Bigram>, LowerPriority> queue;
  auto try_add = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Merge m = Find(word, symbols[left], symbols[right]);
    if (m.rank < 0) return;
    queue.push({left, right, m.rank, m.result, symbols[left].length + symbols[right].length});
  };
  for (size_t i = 1; i < symbols.size(); ++i) try_add(static_cast<int>(i) - 1, static_cast<int>(i));

  while (!queue.empty()) {
    const Bigram bigram = queue.top();
    queue.pop();
    Symbol& left = symbols[bigram.left];
    Symbol& right = symbols[bigram.right];
    // Symbols only grow, so a pair whose lengths no longer add up was changed since it was queued.
    if (left.length == 0 || right.length == 0 || left.length + right.length != bigram.length) {
      continue;
    }
    left.length += right.length;
    left.id = bigram.result;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = bigram.left;
    try_add(left.prev, bigram.left);
    try_add(bigram.left, left.next);
  }

  for (int i = 0; i != -1; i = symbols[i].next) {
    const Symbol& s = symbols[i];
    if (s.id != kNoToken) {
      out->push_back(s.id);
      continue;
    }
    // Not a token (a merge whose result is missing, or a character the vocabulary lacks): each
    // byte of its spelling that is a token by itself; llama.cpp silently drops the others.
    for (char c : word.substr(s.offset, s.length)) {
      const int32_t id = FindToken(tokens_, absl::string_view(&c, 1));
      if (id != kNoToken) out->push_back(id);
    }
  }
}

void BpeEncoder::Encode(absl::string_view text, std::vector<int32_t>* out) const {
  const std::vector<uint32_t> cpts = DecodeUtf8(text);
  std::vector<size_t> lengths;
  PreTokenize(vocab_.pre, cpts, &lengths);

  // Words repeat (" the", ","), and a word's tokens depend on nothing else: remember them for the
  // length of this call (bounded, so a hostile text cannot grow it without limit).
  constexpr size_t kMaxCached = 1 << 16;
  WordCache cache;
  std::string raw;   // the word's UTF-8 (invalid input already replaced by U+FFFD)
  std::string word;  // the same in GPT-2's byte encoding
  size_t begin = 0;
  for (size_t len : lengths) {
    raw.clear();
    for (size_t i = begin; i < begin + len; ++i) AppendUtf8(cpts[i], &raw);
    begin += len;
    auto it = cache.find(raw);
    if (it != cache.end()) {
      out->insert(out->end(), it->second.begin(), it->second.end());
      continue;
    }
    word.clear();
    AppendByteEncoded(raw, &word);
    const size_t first = out->size();
    EncodeWord(word, out);
    if (cache.size() < kMaxCached) {
      cache.emplace(raw, std::vector<int32_t>(out->begin() + first, out->end()));
    }
  }
}

}  // namespace rf::tokenizer
