// rfc synth: a random-weight model in the shape of a real one (frontends/gguf/synth.h).
#include <chrono>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "frontends/gguf/synth.h"
#include "support/format.h"
#include "tools/cli.h"
#include "tools/rfc_commands.h"

namespace rf::tools {
namespace {

std::string TypeNames() {
  std::vector<std::string> names;
  for (const gguf::SynthType& t : gguf::SynthTypes()) names.push_back(t.name);
  return absl::StrJoin(names, ",");
}

}  // namespace

int RunSynth(int argc, char** argv) {
  const std::vector<cli::FlagSpec> flags = {
      {"arch", true, "llama or qwen2 (default: the preset's; tiny needs it)"},
      {"preset", true, "tiny, qwen2.5-0.5b, llama-3.2-1b or llama-2-7b"},
      {"type", true, absl::StrCat("tensor types: ", TypeNames(), " (default f16)")},
      {"vocab", true, "GGUF whose tokenizer to copy (e.g. llama.cpp's models/ggml-vocab-*.gguf)"},
      {"seed", true, "random seed (default 0)"},
      {"threads", true, "threads (default: all)"},
      {"zeros", false,
       "all weights zero, stored as holes: a sparse file that costs no disk or time (for "
       "compile-only checks of large presets)"},
      {"o", true, "output GGUF file"},
      {"help", false, "show this help"},
  };
  const cli::Usage usage = {
      "rfc synth",
      "--preset PRESET [--arch ARCH] --type TYPE --vocab VOCAB.gguf [--seed N] -o OUT.gguf", 0, 0};
  int exit_code = 0;
  auto args = cli::ParseCommand(argc, argv, 2, flags, usage, &exit_code);
  if (!args) return exit_code;
  if (!args->Has("preset") || !args->Has("vocab") || !args->Has("o")) {
    std::fprintf(stderr, "rfc synth: --preset, --vocab and -o are required\n");
    cli::PrintUsage(stderr, flags, usage);
    return 2;
  }
  auto fail = [](const absl::Status& s) {
    std::fprintf(stderr, "rfc synth: %s\n", std::string(s.message()).c_str());
    return 1;
  };
  auto shape = gguf::PresetShape(args->GetOr("arch", ""), *args->Get("preset"));
  if (!shape.ok()) return fail(shape.status());
  auto type = gguf::FindSynthType(args->GetOr("type", "f16"));
  if (!type.ok()) return fail(type.status());
  auto seed = args->GetInt("seed", 0);
  if (!seed.ok()) return fail(seed.status());
  auto threads = args->GetInt("threads", 0);
  if (!threads.ok()) return fail(threads.status());

  gguf::SynthOptions options;
  options.shape = *shape;
  options.type = *type;
  options.vocab_path = *args->Get("vocab");
  options.seed = static_cast<uint64_t>(*seed);
  options.threads = static_cast<int>(*threads);
  options.zero_weights = args->Has("zeros");
  const std::string out = *args->Get("o");
  const auto start = std::chrono::steady_clock::now();
  auto report = gguf::Synthesize(options, out);
  if (!report.ok()) return fail(report.status());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::vector<std::string> per_type;
  for (const auto& [name, count] : report->tensors_per_type) {
    per_type.push_back(absl::StrCat(name, " ", count));
  }
  std::printf("%s: %s %s, %d tensors (%s), %s parameters, vocab %u, %s in %.1f s\n", out.c_str(),
              shape->name.c_str(), type->name, report->n_tensors,
              absl::StrJoin(per_type, ", ").c_str(), WithCommas(report->n_params).c_str(),
              report->n_vocab, HumanBytes(report->file_bytes).c_str(), seconds);
  if (!report->vocab_note.empty()) std::printf("note: %s\n", report->vocab_note.c_str());
  return 0;
}

}  // namespace rf::tools
