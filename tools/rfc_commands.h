// The subcommands of rfc, one file each (rfc_<name>.cc).
#pragma once

#include <vector>

namespace rf::tools {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);  // argv[1] is the command's name
};

int RunInspect(int argc, char** argv);
int RunOpt(int argc, char** argv);
int RunCompile(int argc, char** argv);
int RunSynth(int argc, char** argv);
int RunTokenize(int argc, char** argv);
int RunQuantize(int argc, char** argv);

inline std::vector<Command> RfcCommands() {
  return {{"inspect", RunInspect}, {"opt", RunOpt},           {"compile", RunCompile},
          {"synth", RunSynth},     {"tokenize", RunTokenize}, {"quantize", RunQuantize}};
}

}  // namespace rf::tools
