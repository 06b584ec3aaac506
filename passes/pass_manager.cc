#include "passes/pass_manager.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/registry.h"
#include "support/clock.h"
#include "support/debug.h"
#include "support/status.h"

namespace rf::passes {

PassManager::PassManager(PassManagerOptions options) : options_(std::move(options)) {
  if (!options_.dump) {
    options_.dump = [](const std::string& text) { std::fputs(text.c_str(), stderr); };
  }
}

absl::Status PassManager::AddByName(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    RF_RETURN_IF_ERROR(ParsePassList(name).status());
    Add(FindPass(name)->create());
  }
  return absl::OkStatus();
}

absl::Status PassManager::CheckOptionNames() const {
  for (const auto* set : {&options_.disabled, &options_.print_before, &options_.print_after}) {
    for (const std::string& name : *set) RF_RETURN_IF_ERROR(ParsePassList(name).status());
  }
  return absl::OkStatus();
}

void PassManager::Dump(const std::string& when, const std::string& pass,
                       const ir::Graph& graph) const {
  options_.dump(absl::StrCat("// -----// IR Dump ", when, " ", pass, " //----- //\n",
                             ir::PrintGraph(graph), "\n"));
}

absl::Status PassManager::Run(ir::Graph& graph) {
  for (const auto& pass : passes_) {
    const std::string name = pass->name();
    if (options_.disabled.count(name)) {
      RF_DEBUG_LOG(1, "pass %-24s disabled", name);
      timings_.push_back({name, 0, graph.size(), true});
      continue;
    }
    if (options_.print_before_all || options_.print_before.count(name)) Dump("Before", name, graph);
    auto start = std::chrono::steady_clock::now();
    absl::Status status = pass->Run(graph);
    const double ms = MsSince(start);
    timings_.push_back({name, ms, graph.size(), false});
    RF_DEBUG_LOG(1, "pass %-24s %8.3f ms  %zu ops", name, ms, graph.size());
    RF_RETURN_IF_ERROR(WithContext(status, absl::StrCat("pass '", name, "' failed")));
    if (options_.print_after_all || options_.print_after.count(name)) Dump("After", name, graph);
    if (options_.verify_each) {
      RF_RETURN_IF_ERROR(WithContext(ir::Verify(graph),
                                     absl::StrCat("the graph is invalid after pass '", name, "'")));
    }
  }
  return absl::OkStatus();
}

std::string PassManager::TimingReport() const {
  std::string out = "pass timing:\n";
  double total = 0;
  for (const Timing& t : timings_) {
    if (t.skipped) {
      absl::StrAppendFormat(&out, "  %-28s  (disabled)\n", t.name);
      continue;
    }
    absl::StrAppendFormat(&out, "  %-28s %9.3f ms  %6zu ops after\n", t.name, t.ms, t.ops_after);
    total += t.ms;
  }
  absl::StrAppendFormat(&out, "  %-28s %9.3f ms\n", "total", total);
  return out;
}

}  // namespace rf::passes
