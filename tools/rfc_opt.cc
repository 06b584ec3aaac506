// rfc opt FILE.ir [--passes=a,b]: reads IR text, runs the named passes, prints the result (like
// mlir-opt). With no passes it prints the parsed graph back: identical to its input when that
// input was printed by rf. The tool for pass tests and for debugging a pass on a small case.
#include <cstdio>

#include "absl/strings/str_format.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "passes/registry.h"
#include "support/atomic_file.h"
#include "tools/cli.h"
#include "tools/pass_flags.h"
#include "tools/rfc_commands.h"

namespace rf::tools {

int RunOpt(int argc, char** argv) {
  std::vector<cli::FlagSpec> flags = {
      {"passes", true, "comma-separated passes to run, in order"},
      {"help", false, "show this help"},
  };
  for (const cli::FlagSpec& f : PassManagerFlags()) flags.push_back(f);
  std::string pass_list = "\npasses:\n";
  for (const passes::PassInfo& p : passes::AllPasses()) {
    absl::StrAppendFormat(&pass_list, "  %-24s %s\n", p.name, p.summary);
  }
  int exit_code = 0;
  auto args = cli::ParseCommand(
      argc, argv, 2, flags,
      {"rfc opt", "FILE.ir [--passes=a,b,...]  (FILE may be - for stdin)", 1, 1, pass_list},
      &exit_code);
  if (!args) return exit_code;
  auto fail = [](const absl::Status& s) {
    std::fprintf(stderr, "rfc opt: %s\n", std::string(s.message()).c_str());
    return 1;
  };
  const std::string path = args->positional()[0];
  std::string text;
  if (path == "-") {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) text.append(buf, n);
  } else {
    auto read = ReadFileToString(path);
    if (!read.ok()) return fail(read.status());
    text = *std::move(read);
  }
  auto graph = ir::ParseGraph(text, path == "-" ? "<stdin>" : path);
  if (!graph.ok()) return fail(graph.status());

  auto options = PassManagerOptionsFromArgs(*args);
  if (!options.ok()) return fail(options.status());
  passes::PassManager pm(*options);
  if (absl::Status s = pm.CheckOptionNames(); !s.ok()) return fail(s);
  auto names = passes::ParsePassList(args->GetOr("passes", ""));
  if (!names.ok()) return fail(names.status());
  if (absl::Status s = pm.AddByName(*names); !s.ok()) return fail(s);
  if (absl::Status s = pm.Run(**graph); !s.ok()) return fail(s);
  if (options->time_passes) std::fputs(pm.TimingReport().c_str(), stderr);
  std::fputs(ir::PrintGraph(**graph).c_str(), stdout);
  return 0;
}

}  // namespace rf::tools
