// Thousands of generated strings (tests/tokenizer/random_text.h) tokenized by us and by llama.cpp
// (tests/oracle/llama-tokenize-batch.c, one process per vocabulary and mode): the ids must be
// identical, and so must the decoded text and every token's piece. Then decode(encode(s)) == s
// wherever the vocabulary can spell s.
#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "gtest/gtest.h"
#include "runtime/tokenizer/byte_encoding.h"
#include "runtime/tokenizer/tokenizer.h"
#include "tests/test_util.h"
#include "tests/tokenizer/random_text.h"

namespace rf::tokenizer {
namespace {

constexpr int kStrings = 3000;  // per vocabulary, each tokenized in two modes
constexpr int kLongStrings = 100;

struct OracleRecord {
  std::vector<int32_t> ids;
  std::string decoded;     // remove_special = false, render_special = false
  std::string decoded_rs;  // remove_special = true, render_special = true
};

std::string Unhex(absl::string_view hex) {
  return absl::HexStringToBytes(hex);
}

std::string Show(const std::string& s) {
  return "\"" + absl::CHexEscape(s) + "\"";
}

std::string Ids(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs llama-tokenize-batch over `texts`.
std::vector<OracleRecord> RunOracle(const std::string& vocab_path,
                                    const std::vector<std::string>& texts, bool add_special,
                                    bool parse_special) {
  const std::string dir = ::rf::testing::TempDir();
  const std::string in_path = dir + "/in.bin", out_path = dir + "/out.txt";
  {
    std::ofstream in(in_path, std::ios::binary);
    for (const std::string& t : texts) {
      const uint32_t n = static_cast<uint32_t>(t.size());
      const char len[4] = {static_cast<char>(n), static_cast<char>(n >> 8),
                           static_cast<char>(n >> 16), static_cast<char>(n >> 24)};
      in.write(len, 4);
      in.write(t.data(), static_cast<std::streamsize>(t.size()));
    }
  }
  ::rf::testing::RunCommand(::rf::testing::OracleTool("llama-tokenize-batch") + " '" + vocab_path +
                            "' '" + in_path + "' '" + out_path + "' " +
                            (add_special ? "1 " : "0 ") + (parse_special ? "1" : "0") +
                            " 2>/dev/null");
  std::vector<std::string> lines = absl::StrSplit(ReadAll(out_path), '\n');
  std::vector<OracleRecord> records;
  for (size_t i = 0; i + 2 < lines.size(); i += 3) {
    OracleRecord r;
    for (absl::string_view id :
         absl::StrSplit(absl::string_view(lines[i]).substr(1), ' ', absl::SkipWhitespace())) {
      int32_t v = 0;
      EXPECT_TRUE(absl::SimpleAtoi(id, &v));
      r.ids.push_back(v);
    }
    r.decoded = Unhex(absl::string_view(lines[i + 1]).substr(2));
    r.decoded_rs = Unhex(absl::string_view(lines[i + 2]).substr(2));
    records.push_back(std::move(r));
  }
  return records;
}

struct Loaded {
  std::string path;
  std::unique_ptr<Tokenizer> tok;
};

Loaded Load(const std::string& name, const std::string& oracle) {
  Loaded l;
  l.path = name == "stories260K" ? ::rf::testing::ModelPath("stories260K.gguf")
                                 : oracle + "/src/models/ggml-vocab-" + name + ".gguf";
  auto file = gguf::GgufFile::Open(l.path);
  EXPECT_TRUE(file.ok()) << file.status();
  if (!file.ok()) return l;
  auto vocab = gguf::ReadVocab(**file);
  EXPECT_TRUE(vocab.ok()) << vocab.status();
  if (!vocab.ok()) return l;
  auto tok = Tokenizer::Create(*std::move(vocab));
  EXPECT_TRUE(tok.ok()) << tok.status();
  if (tok.ok()) l.tok = *std::move(tok);
  return l;
}

std::vector<std::string> SpecialTexts(const Vocab& v) {
  std::vector<std::string> out;
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    if (v.attrs[id] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) out.push_back(v.tokens[id]);
  }
  return out;
}

std::vector<std::string> Texts(const Vocab& vocab) {
  ::rf::testing::RandomText gen(0x5eed, SpecialTexts(vocab));
  std::vector<std::string> texts = {""};
  for (int i = 1; i < kStrings; ++i) texts.push_back(gen.Next(12, /*allow_invalid=*/true));
  for (int i = 0; i < kLongStrings; ++i) texts.push_back(gen.Next(300, /*allow_invalid=*/true));
  return texts;
}

bool ValidUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<uint8_t>(s[i]);
    const size_t n = b < 0x80                ? 1
                     : b >= 0xC2 && b < 0xE0 ? 2
                     : b >= 0xE0 && b < 0xF0 ? 3
                     : b >= 0xF0 && b < 0xF5 ? 4
                                             : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    // Overlong, surrogate and > U+10FFFF forms are rare here; the generator only makes them on
    // purpose, next to bytes that fail the checks above.
    if ((b == 0xE0 && static_cast<uint8_t>(s[i + 1]) < 0xA0) ||
        (b == 0xED && static_cast<uint8_t>(s[i + 1]) > 0x9F) ||
        (b == 0xF0 && static_cast<uint8_t>(s[i + 1]) < 0x90)) {
      return false;
    }
    i += n;
  }
  return true;
}

// Which bytes have a token to be spelled with (falcon's vocabulary lacks some control
// characters, which llama.cpp drops).
std::array<bool, 256> SpellableBytes(const Vocab& v) {
  std::array<bool, 256> has{};
  for (int b = 0; b < 256; ++b) {
    std::string spelled;
    if (v.model == ModelKind::kBpe) {
      const char c = static_cast<char>(b);
      AppendByteEncoded(absl::string_view(&c, 1), &spelled);
    } else {
      spelled = absl::StrFormat("<0x%02X>", b);
    }
    has[b] = std::find(v.tokens.begin(), v.tokens.end(), spelled) != v.tokens.end();
  }
  return has;
}

bool Spellable(const std::array<bool, 256>& bytes, const std::string& s) {
  for (char c : s) {
    if (!bytes[static_cast<uint8_t>(c)]) return false;
  }
  return true;
}

class OracleRandomTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OracleRandomTest, IdsAndTextMatchLlamaCpp) {
  RF_ORACLE_OR_SKIP(oracle);
  Loaded l = Load(GetParam(), oracle);
  ASSERT_NE(l.tok, nullptr);
  const std::vector<std::string> texts = Texts(l.tok->vocab());
  for (int mode = 0; mode < 2; ++mode) {
    const bool special = mode == 1;  // add and parse special tokens, or neither
    const std::vector<OracleRecord> want = RunOracle(l.path, texts, special, special);
    ASSERT_EQ(want.size(), texts.size()) << "the oracle did not answer every string";
    int id_failures = 0, text_failures = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      const std::vector<int32_t> ids = l.tok->Encode(texts[i], special, special);
      if (ids != want[i].ids) {
        if (++id_failures <= 5) {
          ADD_FAILURE() << GetParam() << " special=" << special << ": " << Show(texts[i])
                        << "\n  llama.cpp " << Ids(want[i].ids) << "\n  ours      " << Ids(ids);
        }
        continue;
      }
      auto plain = l.tok->Decode(ids, {});
      auto rendered = l.tok->Decode(ids, {.remove_special = true, .render_special = true});
      ASSERT_TRUE(plain.ok() && rendered.ok());
      if (*plain != want[i].decoded || *rendered != want[i].decoded_rs) {
        if (++text_failures <= 5) {
          ADD_FAILURE() << GetParam() << ": decoding " << Ids(ids) << "\n  llama.cpp "
                        << Show(want[i].decoded) << " / " << Show(want[i].decoded_rs)
                        << "\n  ours      " << Show(*plain) << " / " << Show(*rendered);
        }
      }
    }
    EXPECT_EQ(id_failures, 0) << "strings whose ids differ, of " << texts.size();
    EXPECT_EQ(text_failures, 0) << "id lists whose text differs, of " << texts.size();
  }
}

TEST_P(OracleRandomTest, EveryPieceMatchesLlamaCpp) {
  RF_ORACLE_OR_SKIP(oracle);
  Loaded l = Load(GetParam(), oracle);
  ASSERT_NE(l.tok, nullptr);
  const std::string out = ::rf::testing::TempDir() + "/pieces.txt";
  ::rf::testing::RunCommand(::rf::testing::OracleTool("llama-tokenize-batch") + " --pieces '" +
                            l.path + "' '" + out + "' 2>/dev/null");
  std::vector<std::string> lines = absl::StrSplit(ReadAll(out), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), static_cast<size_t>(l.tok->n_tokens()));
  int failures = 0;
  for (int32_t id = 0; id < l.tok->n_tokens(); ++id) {
    const std::vector<std::string> hex = absl::StrSplit(lines[id], ' ');
    ASSERT_EQ(hex.size(), 2u);
    const std::string plain(l.tok->TokenToPiece(id, false));
    const std::string special(l.tok->TokenToPiece(id, true));
    if ((plain != Unhex(hex[0]) || special != Unhex(hex[1])) && ++failures <= 5) {
      ADD_FAILURE() << GetParam() << ": token " << id << " " << Show(l.tok->vocab().tokens[id])
                    << "\n  llama.cpp " << Show(Unhex(hex[0])) << " / " << Show(Unhex(hex[1]))
                    << "\n  ours      " << Show(plain) << " / " << Show(special);
    }
  }
  EXPECT_EQ(failures, 0);
}

// decode(encode(s)) == s for valid UTF-8 without special-token texts, raw pieces joined (no
// clean-up of spaces). With specials parsed and rendered, byte-level BPE gives s back as well.
TEST_P(OracleRandomTest, DecodeOfEncodeGivesTheTextBack) {
  RF_ORACLE_OR_SKIP(oracle);
  Loaded l = Load(GetParam(), oracle);
  ASSERT_NE(l.tok, nullptr);
  const Vocab& v = l.tok->vocab();
  const std::vector<std::string> specials = SpecialTexts(v);
  const std::array<bool, 256> spellable = SpellableBytes(v);
  ::rf::testing::RandomText gen(0xdec0de, {});
  int checked = 0, failures = 0;
  for (int i = 0; i < kStrings; ++i) {
    const std::string s = gen.Next(12, /*allow_invalid=*/false);
    bool has_special = false;
    for (const std::string& sp : specials) has_special |= s.find(sp) != std::string::npos;
    if (!ValidUtf8(s) || has_special || !Spellable(spellable, s)) continue;
    ++checked;
    const auto text = l.tok->Decode(l.tok->Encode(s, false, false), {.clean_spaces = false});
    ASSERT_TRUE(text.ok());
    if (*text != s && ++failures <= 5) {
      ADD_FAILURE() << GetParam() << ": " << Show(s) << " came back as " << Show(*text);
    }
  }
  EXPECT_EQ(failures, 0) << "of " << checked;
  EXPECT_GT(checked, kStrings / 2);
  if (v.model == ModelKind::kBpe) {
    ::rf::testing::RandomText with_specials(0xdec0de, specials);
    for (int i = 0; i < kStrings; ++i) {
      const std::string s = with_specials.Next(12, /*allow_invalid=*/false);
      if (!ValidUtf8(s) || !Spellable(spellable, s)) continue;
      const auto text = l.tok->Decode(l.tok->Encode(s, false, true),
                                      {.render_special = true, .clean_spaces = false});
      ASSERT_TRUE(text.ok());
      EXPECT_EQ(*text, s) << Show(s);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, OracleRandomTest,
                         ::testing::Values("llama-spm", "llama-bpe", "qwen2", "gpt-2", "phi-3",
                                           "stories260K", "qwen35", "starcoder", "falcon",
                                           "deepseek-llm", "deepseek-coder", "command-r", "mpt",
                                           "refact"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name = p.param;
                           for (char& ch : name) {
                             if (ch == '-') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace rf::tokenizer
