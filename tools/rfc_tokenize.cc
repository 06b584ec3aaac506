// rfc tokenize MODEL.gguf TEXT: the token ids of TEXT, on one line, as llama.cpp's llama_tokenize
// gives them (BOS/EOS as the model's metadata says, special tokens parsed), so the output compares
// directly with `llama-logits --tokenize`. With --decode, the ids that follow MODEL become text.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "runtime/tokenizer/tokenizer.h"
#include "support/atomic_file.h"
#include "tools/cli.h"
#include "tools/rfc_commands.h"

namespace rf::tools {
namespace {

const cli::Usage kUsage = {
    "rfc tokenize",
    "[FLAGS] MODEL.gguf TEXT          print the token ids of TEXT\n"
    "       rfc tokenize [FLAGS] MODEL.gguf --file PATH    ... of the bytes of PATH\n"
    "       rfc tokenize --decode [FLAGS] MODEL.gguf ID...  print the text of the ids\n"
    "Put -- before a TEXT or ID that starts with '-'.",
    1, SIZE_MAX};

int Fail(const std::string& message) {
  std::fprintf(stderr, "rfc tokenize: %s\n", message.c_str());
  return 1;
}

}  // namespace

int RunTokenize(int argc, char** argv) {
  const std::vector<cli::FlagSpec> flags = {
      {"help", false, "show this help"},
      {"decode", false, "turn ids into text instead"},
      {"file", true, "tokenize the bytes of this file instead of TEXT"},
      {"no-add-special", false, "do not add BOS/EOS (default: as the model's metadata says)"},
      {"no-parse-special", false, "treat control-token texts in TEXT as plain text"},
      {"skip-special", false, "--decode: leave control tokens out of the text"},
      {"verbose", false, "print vocabulary warnings"},
  };
  int exit_code = 0;
  auto args = cli::ParseCommand(argc, argv, 2, flags, kUsage, &exit_code);
  if (!args) return exit_code;
  const bool decode = args->Has("decode");
  const size_t want = !decode && args->Has("file") ? 1 : 2;
  if (args->positional().size() < want || (!decode && args->positional().size() != want)) {
    cli::PrintUsage(stderr, flags, kUsage);
    return 2;
  }
  const std::string& model = args->positional()[0];
  auto file = gguf::GgufFile::Open(model);
  if (!file.ok()) return Fail(std::string(file.status().message()));
  std::vector<std::string> warnings;
  auto vocab = gguf::ReadVocab(**file, &warnings);
  if (!vocab.ok()) return Fail(std::string(vocab.status().message()));
  if (args->Has("verbose")) {
    for (const std::string& w : warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  }
  auto tok = tokenizer::Tokenizer::Create(*std::move(vocab));
  if (!tok.ok()) return Fail(std::string(tok.status().message()));

  if (decode) {
    std::vector<int32_t> ids;
    for (size_t i = 1; i < args->positional().size(); ++i) {
      const std::string& s = args->positional()[i];
      int32_t id = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
      if (ec != std::errc() || end != s.data() + s.size()) {
        return Fail("'" + s + "' is not a token id");
      }
      ids.push_back(id);
    }
    tokenizer::DecodeOptions options;
    options.render_special = !args->Has("skip-special");
    auto text = (*tok)->Decode(ids, options);
    if (!text.ok()) return Fail(std::string(text.status().message()));
    std::fwrite(text->data(), 1, text->size(), stdout);
    std::fputc('\n', stdout);
    return 0;
  }

  std::string text;
  if (auto path = args->Get("file")) {
    auto content = ReadFileToString(*path);
    if (!content.ok()) return Fail(std::string(content.status().message()));
    text = *std::move(content);
  } else {
    text = args->positional()[1];
  }
  const std::vector<int32_t> ids =
      (*tok)->Encode(text, !args->Has("no-add-special"), !args->Has("no-parse-special"));
  std::string line;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) line.push_back(' ');
    line += std::to_string(ids[i]);
  }
  std::printf("%s\n", line.c_str());
  return 0;
}

}  // namespace rf::tools
