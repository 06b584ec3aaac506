// Pre-tokenizers: split text into the words that byte-level BPE merges within.
//
// llama.cpp defines each pre-tokenizer as a list of regexes applied in turn, each splitting the
// pieces the previous one left (a match becomes a piece, and so does the text between matches).
// A few it runs through hand-written matchers (gpt2, llama3, qwen2, qwen35) whose results differ
// from the regex in corner cases; the others through std::regex over a "collapsed" text where
// each code point is replaced by one byte standing for its category. Each is reproduced here by
// hand, corner cases included: the tokens a model sees must be llama.cpp's, not the regex's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/tokenizer/vocab.h"

namespace rf::tokenizer {

// Splits `cpts` (one fragment of text, already decoded) into words, appending the length in code
// points of each word to `lengths`; the lengths sum to cpts.size(). `pre` must not be kNone.
void PreTokenize(PreTokenizer pre, std::span<const uint32_t> cpts, std::vector<size_t>* lengths);

}  // namespace rf::tokenizer
