// rfc inspect FILE: what a GGUF model or a plan (told apart by their magic) holds.
#include <cstdio>

#include "frontends/gguf/describe.h"
#include "frontends/gguf/gguf.h"
#include "runtime/plan/describe.h"
#include "runtime/plan/plan.h"
#include "tools/cli.h"
#include "tools/rfc_commands.h"

namespace rf::tools {

int RunInspect(int argc, char** argv) {
  const std::vector<cli::FlagSpec> flags = {{"help", false, "show this help"}};
  int exit_code = 0;
  auto args = cli::ParseCommand(argc, argv, 2, flags,
                                {"rfc inspect", "MODEL.gguf|MODEL.plan", 1, 1}, &exit_code);
  if (!args) return exit_code;
  const std::string& path = args->positional()[0];
  if (plan::IsPlanFile(path)) {
    auto plan = plan::PlanFile::Open(path);
    if (!plan.ok()) {
      std::fprintf(stderr, "rfc inspect: %s\n", std::string(plan.status().message()).c_str());
      return 1;
    }
    std::fputs(plan::DescribePlan(**plan).c_str(), stdout);
    return 0;
  }
  auto file = gguf::GgufFile::Open(path);
  if (!file.ok()) {
    std::fprintf(stderr, "rfc inspect: %s\n", std::string(file.status().message()).c_str());
    return 1;
  }
  std::fputs(gguf::DescribeGguf(**file).c_str(), stdout);
  return 0;
}

}  // namespace rf::tools
