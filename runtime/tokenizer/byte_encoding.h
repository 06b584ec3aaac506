// GPT-2's byte-level encoding: byte-level BPE vocabularies spell every byte as a printable code
// point (the bytes that are printable Latin-1 stand for themselves, the other 68 are moved to
// U+0100..U+0143 in order), so that every token text is valid UTF-8 and contains no space.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace rf::tokenizer {

// The code point that stands for `byte`.
uint32_t ByteToCodepoint(uint8_t byte);
// The byte a code point stands for, or -1 when it stands for none.
int CodepointToByte(uint32_t cpt);
// Appends the byte-level spelling of `bytes` (each byte becomes one code point).
void AppendByteEncoded(absl::string_view bytes, std::string* out);

}  // namespace rf::tokenizer
