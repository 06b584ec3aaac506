// The compiler driver: GGUF -> IR (lowering) -> passes -> (later stages). `rfc compile` is a thin
// layer over this.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/lower.h"
#include "ir/graph.h"
#include "passes/pass_manager.h"

namespace rf::compiler {

struct CompileOptions {
  gguf::LowerOptions lower;
  passes::PassManagerOptions pass_manager;
  // Passes to run after lowering; empty means passes::DefaultPipeline().
  std::vector<std::string> pipeline;
};

struct Compilation {
  std::unique_ptr<gguf::GgufFile> model;
  std::unique_ptr<ir::Graph> graph;
  std::string pass_timing;  // the pass manager's report
};

// Lowers `model_path` and runs the pipeline.
absl::StatusOr<Compilation> CompileToIr(const std::string& model_path,
                                        const CompileOptions& options);

// Builds the plan of a compiled graph for `target` ("cpu", later GPU targets) and writes it to
// `output` atomically. Returns the memory report for the tool to print.
// With `kernels_dir`, also writes each kernel's complete source there as NAME.hip.
absl::StatusOr<std::string> WritePlanFile(const Compilation& compilation, const std::string& target,
                                          const std::string& output,
                                          const std::string& kernels_dir = "");

}  // namespace rf::compiler
