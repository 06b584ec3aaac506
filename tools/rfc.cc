// rfc: the ROCmForge compiler driver. Thin: parses the command line, calls a library, prints.
//
//   rfc inspect MODEL.gguf          version, metadata, hyperparameters, tensor table
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
      "  tokenize MODEL.gguf TEXT  print TEXT's token ids (--decode: ids to text)\n"
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
