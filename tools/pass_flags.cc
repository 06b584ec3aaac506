#include "tools/pass_flags.h"

#include "absl/strings/str_split.h"

namespace rf::tools {

std::vector<cli::FlagSpec> PassManagerFlags() {
  return {
      {"print-ir-after-all", false, "print the IR after every pass (stderr)"},
      {"print-ir-before-all", false, "print the IR before every pass (stderr)"},
      {"print-ir-after", true, "print the IR after pass P (repeatable, or P1,P2)", true},
      {"print-ir-before", true, "print the IR before pass P (repeatable, or P1,P2)", true},
      {"disable-pass", true, "skip pass P (repeatable, or P1,P2)", true},
      {"time-passes", false, "report each pass's time (stderr)"},
      {"verify-each", false, "verify the graph after every pass (default in debug builds)"},
      {"no-verify-each", false, "do not verify after every pass"},
  };
}

absl::StatusOr<passes::PassManagerOptions> PassManagerOptionsFromArgs(const cli::Args& args) {
  passes::PassManagerOptions options;
  auto collect = [&](const char* flag, std::set<std::string>& into) {
    for (const std::string& v : args.GetAll(flag)) {
      for (absl::string_view name : absl::StrSplit(v, ',', absl::SkipWhitespace())) {
        into.emplace(name);
      }
    }
  };
  collect("print-ir-after", options.print_after);
  collect("print-ir-before", options.print_before);
  collect("disable-pass", options.disabled);
  options.print_after_all = args.Has("print-ir-after-all");
  options.print_before_all = args.Has("print-ir-before-all");
  options.time_passes = args.Has("time-passes");
  if (args.Has("verify-each")) options.verify_each = true;
  if (args.Has("no-verify-each")) options.verify_each = false;
  return options;
}

}  // namespace rf::tools
