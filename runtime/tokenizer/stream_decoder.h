// Decoding generated tokens one at a time for streamed output. A token may end in the middle of
// a UTF-8 character (byte-fallback tokens <0xE2> <0x9C> <0x85> spell one emoji between them), so
// the decoder holds back an incomplete character until the tokens that complete it arrive, and
// never hands out a broken one: what it returns is always valid UTF-8.
//
//   StreamDecoder d(tokenizer);
//   for (int32_t id : generated) fputs(d.Next(id).c_str(), stdout);
//   fputs(d.Finish().c_str(), stdout);
#pragma once

#include <cstdint>
#include <string>

#include "runtime/tokenizer/tokenizer.h"

namespace rf::tokenizer {

class StreamDecoder {
 public:
  // `tokenizer` must outlive the decoder. render_special: print control tokens' texts.
  explicit StreamDecoder(const Tokenizer& tokenizer, bool render_special = false)
      : tokenizer_(tokenizer), render_special_(render_special) {}

  // The text that `id` completes: every character that is now whole. Bytes that can never
  // become a valid character (a stray continuation byte, an invalid lead byte) come out as
  // U+FFFD. An id out of range adds nothing.
  std::string Next(int32_t id);

  // The end of the stream: a character left incomplete comes out as U+FFFD.
  std::string Finish();

  // Bytes held back, waiting for the rest of their character (at most 3).
  size_t pending() const { return pending_.size(); }

 private:
  const Tokenizer& tokenizer_;
  bool render_special_;
  std::string pending_;
};

// Splits `bytes` into valid UTF-8 (appended to `out`, invalid sequences as U+FFFD) and an
// incomplete character at the end that more bytes could still complete (returned length).
size_t AppendValidUtf8(absl::string_view bytes, std::string* out);

}  // namespace rf::tokenizer
