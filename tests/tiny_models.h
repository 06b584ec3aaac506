// The synthesized tiny models the backend tests (hip, emu) run: `rfc synth`'s "tiny" preset with
// the tokenizer of one of llama.cpp's vocab GGUFs, cut to `n_vocab` tokens to keep files small.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "frontends/gguf/synth.h"
#include "tests/test_util.h"

namespace rf::testing {

// Where llama.cpp's ggml-vocab-*.gguf files are: $RF_TEST_VOCAB_DIR, else the oracle's source
// tree; empty when there is neither, or they are not there.
inline std::string VocabDir() {
  std::string dir;
  if (const char* d = std::getenv("RF_TEST_VOCAB_DIR")) {
    dir = d;
  } else if (const std::string oracle = OracleDir(); !oracle.empty()) {
    dir = oracle + "/src/models";
  }
  struct stat st;
  return !dir.empty() && stat((dir + "/ggml-vocab-qwen2.gguf").c_str(), &st) == 0 ? dir : "";
}

// A tiny `arch` ("llama" or "qwen2") model with weights of `type`, written to
// DIR/tiny-ARCH-TYPE.gguf.
inline absl::StatusOr<std::string> SynthesizeTiny(const std::string& vocab_dir,
                                                  const std::string& arch, const std::string& type,
                                                  uint32_t n_vocab, const std::string& dir) {
  gguf::SynthOptions o;
  o.shape = *gguf::PresetShape(arch, "tiny");
  o.shape.n_vocab = n_vocab;
  o.type = *gguf::FindSynthType(type);
  o.vocab_path =
      vocab_dir + (arch == "qwen2" ? "/ggml-vocab-qwen2.gguf" : "/ggml-vocab-llama-spm.gguf");
  const std::string path = dir + "/tiny-" + arch + "-" + type + ".gguf";
  absl::StatusOr<gguf::SynthReport> report = gguf::Synthesize(o, path);
  if (!report.ok()) return report.status();
  return path;
}

}  // namespace rf::testing
