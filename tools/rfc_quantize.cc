// rfc quantize IN.gguf OUT.gguf TYPE: re-encodes a model's matrices into TYPE with rf's quantizer.
#include <cstdio>

#include "frontends/gguf/requantize.h"
#include "tools/cli.h"
#include "tools/rfc_commands.h"

namespace rf::tools {

int RunQuantize(int argc, char** argv) {
  const std::vector<cli::FlagSpec> flags = {{"help", false, "show this help"}};
  int exit_code = 0;
  auto args = cli::ParseCommand(
      argc, argv, 2, flags,
      {"rfc quantize",
       "IN.gguf OUT.gguf TYPE   (f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k ... q6_k)", 3, 3},
      &exit_code);
  if (!args) return exit_code;
  auto type = quant::TypeFromName(args->positional()[2]);
  if (!type.ok()) {
    std::fprintf(stderr, "rfc quantize: %s\n", std::string(type.status().message()).c_str());
    return 2;
  }
  auto report = gguf::Requantize(args->positional()[0], args->positional()[1], *type);
  if (!report.ok()) {
    std::fprintf(stderr, "rfc quantize: %s\n", std::string(report.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "rfc quantize: %d matrices converted, %d tensors kept\n", report->converted,
               report->kept);
  return 0;
}

}  // namespace rf::tools
