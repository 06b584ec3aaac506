// Encoding speed on 1 MB of English text (the licence texts in /usr/share/common-licenses, each
// word as written, repeated to 1 MB). Two shapes: the whole megabyte in one Encode call, and in
// 1 KB calls (a prompt at a time: the per-call word cache helps less). The vocabularies are
// llama.cpp's test vocabularies from the oracle (tests/oracle/setup.sh) plus the bundled
// stories260K; a vocabulary that is not there is skipped.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "runtime/tokenizer/tokenizer.h"

namespace rf::tokenizer {
namespace {

constexpr size_t kTextBytes = 1 << 20;

const std::string& EnglishText() {
  static const std::string* text = [] {
    std::string corpus;
    for (const char* name :
         {"GPL-3", "Apache-2.0", "LGPL-2.1", "MPL-2.0", "Artistic", "GFDL-1.3"}) {
      std::ifstream in(std::string("/usr/share/common-licenses/") + name);
      std::stringstream ss;
      ss << in.rdbuf();
      corpus += ss.str();
    }
    if (corpus.empty()) corpus = "The quick brown fox jumps over the lazy dog. ";
    auto* s = new std::string;
    while (s->size() < kTextBytes) s->append(corpus);
    s->resize(kTextBytes);
    return s;
  }();
  return *text;
}

std::string VocabPath(const std::string& name) {
  if (name == "stories260K") return std::string(RF_SOURCE_DIR) + "/models/stories260K.gguf";
  const char* dir = std::getenv("RF_ORACLE_DIR");
  const char* home = std::getenv("HOME");
  const std::string oracle = dir ? dir : std::string(home ? home : "") + "/.cache/rocmforge-oracle";
  return oracle + "/src/models/ggml-vocab-" + name + ".gguf";
}

const Tokenizer* Load(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  std::unique_ptr<Tokenizer> tok;
  const std::string path = VocabPath(name);
  if (std::filesystem::exists(path)) {
    auto file = gguf::GgufFile::Open(path);
    if (file.ok()) {
      auto vocab = gguf::ReadVocab(**file);
      if (vocab.ok()) {
        auto t = Tokenizer::Create(*std::move(vocab));
        if (t.ok()) tok = *std::move(t);
      }
    }
  }
  return (cache[name] = std::move(tok)).get();
}

void Encode(benchmark::State& state, const std::string& vocab, size_t chunk) {
  const Tokenizer* tok = Load(vocab);
  if (tok == nullptr) {
    state.SkipWithError(("vocabulary not found: " + VocabPath(vocab)).c_str());
    return;
  }
  const std::string& text = EnglishText();
  size_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (size_t pos = 0; pos < text.size(); pos += chunk) {
      tokens += tok->Encode(absl::string_view(text).substr(pos, chunk), false, true).size();
    }
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
}

void RegisterAll() {
  for (const char* vocab : {"llama-bpe", "qwen2", "gpt-2", "llama-spm", "stories260K"}) {
    for (size_t chunk : {kTextBytes, size_t{1024}}) {
      const std::string name =
          std::string("Encode1MB/") + vocab + (chunk == kTextBytes ? "/whole" : "/1KB_calls");
      benchmark::RegisterBenchmark(name.c_str(),
                                   [vocab, chunk](benchmark::State& s) { Encode(s, vocab, chunk); })
          ->Unit(benchmark::kMillisecond)
          ->MinTime(2.0);
    }
  }
}

}  // namespace
}  // namespace rf::tokenizer

int main(int argc, char** argv) {
  rf::tokenizer::RegisterAll();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
