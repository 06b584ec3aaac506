// Token text -> id, shared by the encoders.
#pragma once

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "runtime/tokenizer/vocab.h"

namespace rf::tokenizer {

using TokenMap = absl::flat_hash_map<std::string, int32_t>;

// The id of the token spelled `text`, or kNoToken.
inline int32_t FindToken(const TokenMap& map, absl::string_view text) {
  auto it = map.find(text);
  return it == map.end() ? kNoToken : it->second;
}

}  // namespace rf::tokenizer
