// A Vocab as bytes, for the plan file: the compiler writes it, the runtime reads it back.
//
//   "RFVC" u32 version=1, u8 model, u8 pre, u8 flags, str pre_name,
//   n_tokens x (str text, f32 score, v attrs), n_merges x str, 8 x v (special id + 1),
//   n_eog x v id
// where v is an unsigned LEB128 varint, str is v length + bytes, counts are v, f32 little-endian.
// About 1.1 bytes of overhead per token and per merge.
//
// Reading checks every length against the bytes left and validates the result (ValidateVocab),
// so damaged or hostile bytes give an error naming the offset, never a crash or a huge allocation.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::tokenizer {

std::string SerializeVocab(const Vocab& vocab);
absl::StatusOr<Vocab> DeserializeVocab(std::span<const uint8_t> bytes);

}  // namespace rf::tokenizer
