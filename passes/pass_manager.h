// Runs a pipeline of passes by name, in the style of LLVM/MLIR's pass managers: verifies the graph
// after every pass (in tests and debug builds, or when asked), prints the IR before/after chosen
// passes (--print-ir-before=P, --print-ir-after=P, --print-ir-after-all), skips disabled passes
// (--disable-pass=P), and times each pass (--time-passes). RF_DEBUG=1 logs each pass and its time.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ir/graph.h"
#include "passes/pass.h"

namespace rf::passes {

struct PassManagerOptions {
#ifdef NDEBUG
  bool verify_each = false;
#else
  bool verify_each = true;
#endif
  bool print_before_all = false;
  bool print_after_all = false;
  std::set<std::string> print_before;
  std::set<std::string> print_after;
  std::set<std::string> disabled;
  bool time_passes = false;
  // Where IR dumps go (stderr by default).
  std::function<void(const std::string&)> dump;
};

class PassManager {
 public:
  explicit PassManager(PassManagerOptions options = {});

  void Add(std::unique_ptr<Pass> pass) { passes_.push_back(std::move(pass)); }
  // Adds registered passes by name; an unknown name is an error listing the known ones.
  absl::Status AddByName(const std::vector<std::string>& names);
  // Checks that every --disable-pass / --print-ir-* name refers to a registered pass.
  absl::Status CheckOptionNames() const;

  // Runs each pass; an error names the pass that failed.
  absl::Status Run(ir::Graph& graph);

  // "pass  time ms  ops after" per pass run, for --time-passes.
  std::string TimingReport() const;

 private:
  struct Timing {
    std::string name;
    double ms;
    size_t ops_after;
    bool skipped;
  };
  void Dump(const std::string& when, const std::string& pass, const ir::Graph& graph) const;

  PassManagerOptions options_;
  std::vector<std::unique_ptr<Pass>> passes_;
  std::vector<Timing> timings_;
};

}  // namespace rf::passes
