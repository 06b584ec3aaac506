// Fuzzes the tokenizer with hostile input. The first byte picks what the rest is:
//   0-39   text to encode: with stories260K (SentencePiece) or a small byte-level BPE vocabulary
//          under each pre-tokenizer (mode % 10), special tokens added/parsed (mode / 10 as bits);
//          then the ids are decoded (all at once and streamed) and checked
//   40-49  a serialized vocabulary: must load or fail cleanly; what loads must tokenize
//   50-59  token ids (int32) to decode, in range or not
// Crashes, sanitizer reports and broken invariants (an id out of range, a streamed piece that is
// not UTF-8, a byte-level round trip that loses text) abort.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "runtime/tokenizer/byte_encoding.h"
#include "runtime/tokenizer/stream_decoder.h"
#include "runtime/tokenizer/tokenizer.h"
#include "runtime/tokenizer/vocab_serialize.h"

namespace rf::tokenizer {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "tokenizer_fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

// The 256 byte tokens, some merges and a few special tokens of each kind.
Vocab SmallBpe(PreTokenizer pre) {
  Vocab v;
  v.model = ModelKind::kBpe;
  v.pre = pre;
  for (int b = 0; b < 256; ++b) {
    std::string t;
    const char c = static_cast<char>(b);
    AppendByteEncoded(absl::string_view(&c, 1), &t);
    v.tokens.push_back(t);
  }
  const char* merges[] = {"t h", "h e", "th e", "Ġ t",   "Ġt he", "i n",  "e r", "a n", "Ġ a",
                          "o n", "r e", "Ġ Ġ",  "ĠĠ ĠĠ", "1 2",   "12 3", "Ċ Ċ", "' s", "Ġ the",
                          "Ã ©", "ä ½", "ä½ ł", "ðŁ ¦",  "ðŁ¦ Ļ", "x y"};  // "xy" is no token
  for (const char* m : merges) {
    v.merges.push_back(m);
    std::string merged(m);
    merged.erase(merged.find(' '), 1);
    if (merged != "xy" && std::find(v.tokens.begin(), v.tokens.end(), merged) == v.tokens.end()) {
      v.tokens.push_back(merged);
    }
  }
  v.attrs.assign(v.tokens.size(), kAttrNormal);
  const std::pair<const char*, uint32_t> specials[] = {
      {"<|im_start|>", kAttrControl},
      {"<|im_end|>", kAttrControl | kAttrRstrip},
      {"<tool>", kAttrUserDefined | kAttrLstrip | kAttrRstrip},
      {"<unk>", kAttrUnknown},
      {"<|im", kAttrUserDefined}};
  for (const auto& [text, attr] : specials) {
    v.tokens.push_back(text);
    v.attrs.push_back(attr);
  }
  v.scores.assign(v.tokens.size(), 0.0f);
  v.eos = static_cast<int32_t>(v.tokens.size()) - 4;
  v.bos = v.eos - 1;
  v.eog = {v.eos};
  v.add_bos = true;
  v.ignore_merges = pre == PreTokenizer::kLlama3;
  v.clean_spaces = true;
  return v;
}

struct Fixtures {
  std::vector<std::unique_ptr<Tokenizer>> tokenizers;  // [0] stories260K, then one per pre
  std::string serialized;                              // stories260K's vocabulary, serialized
  Fixtures() {
    auto file = gguf::GgufFile::Open(std::string(RF_SOURCE_DIR) + "/models/stories260K.gguf");
    Check(file.ok(), "stories260K.gguf loads");
    auto vocab = gguf::ReadVocab(**file);
    Check(vocab.ok(), "stories260K's vocabulary reads");
    serialized = SerializeVocab(*vocab);
    auto spm = Tokenizer::Create(*std::move(vocab));
    Check(spm.ok(), "stories260K's tokenizer builds");
    tokenizers.push_back(*std::move(spm));
    for (int p = 1; p <= kMaxPreTokenizer; ++p) {
      auto bpe = Tokenizer::Create(SmallBpe(static_cast<PreTokenizer>(p)));
      Check(bpe.ok(), "the small BPE tokenizer builds");
      tokenizers.push_back(*std::move(bpe));
    }
  }
};

const Fixtures& Get() {
  static const Fixtures* f = new Fixtures();
  return *f;
}

bool ValidUtf8(const std::string& s) {
  std::string copy;
  return AppendValidUtf8(s, &copy) == 0 && copy == s;
}

void DecodeAndCheck(const Tokenizer& tok, const std::vector<int32_t>& ids) {
  auto text = tok.Decode(ids, {});
  auto raw =
      tok.Decode(ids, {.remove_special = true, .render_special = true, .clean_spaces = false});
  Check(text.ok() && raw.ok(), "ids from Encode decode");
  StreamDecoder stream(tok);
  std::string streamed;
  for (int32_t id : ids) {
    const std::string part = stream.Next(id);
    Check(ValidUtf8(part), "streamed text is valid UTF-8");
    streamed += part;
  }
  streamed += stream.Finish();
  Check(ValidUtf8(streamed), "streamed text is valid UTF-8");
}

void FuzzEncode(const Tokenizer& tok, uint8_t flags, absl::string_view text) {
  const bool add_special = flags & 1, parse_special = flags & 2;
  const std::vector<int32_t> ids = tok.Encode(text, add_special, parse_special);
  for (int32_t id : ids) Check(id >= 0 && id < tok.n_tokens(), "ids are in range");
  DecodeAndCheck(tok, ids);
  // Byte-level BPE spells any valid UTF-8 exactly (no clean-up), unless a special token that
  // swallows whitespace (<tool>, <|im_end|>) is matched.
  const std::string s(text);
  if (tok.vocab().model == ModelKind::kBpe && ValidUtf8(s) &&
      s.find("<tool>") == std::string::npos && s.find("<|im_end|>") == std::string::npos) {
    auto back = tok.Decode(tok.Encode(text, false, parse_special),
                           {.render_special = true, .clean_spaces = false});
    Check(back.ok() && *back == s, "byte-level BPE round trip");
  }
}

}  // namespace
}  // namespace rf::tokenizer

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rf::tokenizer;  // NOLINT
  if (size == 0) return 0;
  const Fixtures& f = Get();
  const uint8_t mode = data[0];
  const absl::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode < 40) {
    FuzzEncode(*f.tokenizers[mode % 10], static_cast<uint8_t>(mode / 10), rest);
  } else if (mode < 50) {
    auto vocab = DeserializeVocab({data + 1, size - 1});
    if (vocab.ok()) {
      auto tok = Tokenizer::Create(*std::move(vocab));
      Check(tok.ok(), "a vocabulary that deserializes builds a tokenizer");
      FuzzEncode(**tok, mode & 3, "Hello <s> world 123 \xF0\x9F\xA6\x99\xFF");
      FuzzEncode(**tok, mode & 3, rest.substr(0, 64));
    }
  } else if (mode < 60) {
    const Tokenizer& tok = *f.tokenizers[mode % 10];
    std::vector<int32_t> ids(rest.size() / 4);
    if (!ids.empty()) std::memcpy(ids.data(), rest.data(), ids.size() * 4);
    auto text = tok.Decode(ids, {.remove_special = (mode & 1) != 0});
    bool in_range = true;
    for (int32_t id : ids) in_range &= id >= 0 && id < tok.n_tokens();
    Check(text.ok() == in_range, "Decode fails exactly for ids out of range");
    StreamDecoder stream(tok, (mode & 2) != 0);
    for (int32_t id : ids) Check(ValidUtf8(stream.Next(id)), "streamed text is valid UTF-8");
    Check(ValidUtf8(stream.Finish()), "streamed text is valid UTF-8");
  }
  return 0;
}
