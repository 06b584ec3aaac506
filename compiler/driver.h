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

struct PlanOutputOptions {
  std::string target = "cpu";  // "cpu" or a GPU target (codegen::TargetNames())
  std::string output;          // the plan file, written atomically; empty: no file
  std::string kernels_dir;     // if set, each kernel's complete source is written there as NAME.hip
  bool aot = false;            // store AMDGPU code objects in the plan (compiler/aot.h)
  bool report_kernels = false;  // compile the kernels and report their resources (compiler/aot.h)
};

struct PlanOutputReport {
  std::string memory;   // the memory plan: arena regions, the saving over naive allocation
  std::string kernels;  // with report_kernels: one line per kernel
};

// Builds the plan of a compiled graph (kernels generated for a GPU target) and does what `options`
// asks: write kernel sources, compile them ahead of time, write the plan file with its weights.
// Without an output file, the weights are never read (a kernel check needs only the shapes).
absl::StatusOr<PlanOutputReport> EmitPlan(const Compilation& compilation,
                                          const PlanOutputOptions& options);

}  // namespace rf::compiler
