// rfc: the ROCmForge compiler driver. Thin: parses the command line, calls a library, prints.
//
//   rfc inspect MODEL.gguf          version, metadata, hyperparameters, tensor table
//   rfc inspect MODEL.plan          target, sections, arena layout, bindings, programs, kernels
//   rfc opt FILE.ir --passes=a,b    run passes over IR text, print the result
//   rfc compile MODEL.gguf ...      lower, run the pipeline (and later: write a plan)
//   rfc synth --preset P -o M.gguf  a random-weight model in the shape of a real one
//   rfc tokenize MODEL.gguf TEXT    token ids (--decode: ids to text)
#include <cstdio>
#include <cstring>
#include <string>

#include "tools/rfc_commands.h"

namespace {

void PrintUsage(FILE* out) {
  std::fputs(
      "usage: rfc COMMAND [ARGS]\n"
      "\n"
      "commands:\n"
      "  inspect MODEL.gguf     print a GGUF file's metadata, hyperparameters and tensors\n"
      "  inspect MODEL.plan     print a plan's target, sections, arena, bindings and programs\n"
      "  opt FILE.ir            run passes over IR text and print the result (like mlir-opt)\n"
      "  compile MODEL.gguf     lower a model and run the pipeline (--emit=ir prints the graph)\n"
      "  synth --preset PRESET --type TYPE --vocab VOCAB.gguf -o OUT.gguf\n"
      "                         write a random-weight model in the exact shape of a real one\n"
      "                         (presets tiny, qwen2.5-0.5b, llama-3.2-1b, llama-2-7b; types f32,\n"
      "                         f16, q8_0, q4_0, q4_k, q6_k, q4_k_m)\n"
      "  tokenize MODEL.gguf TEXT  print TEXT's token ids (--decode: ids to text)\n"
      "  quantize IN.gguf OUT.gguf TYPE  re-encode a model's matrices into TYPE\n"
      "\n"
      "`rfc COMMAND --help` describes a command's flags.\n",
      out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  for (const rf::tools::Command& c : rf::tools::RfcCommands()) {
    if (command == c.name) return c.run(argc, argv);
  }
  std::fprintf(stderr, "rfc: unknown command '%s'\n\n", command.c_str());
  PrintUsage(stderr);
  return 2;
}
