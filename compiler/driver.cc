#include "compiler/driver.h"

#include "absl/strings/str_cat.h"
#include "codegen/codegen.h"
#include "codegen/target.h"
#include "compiler/aot.h"
#include "compiler/plan_builder.h"
#include "frontends/gguf/vocab.h"
#include "passes/memory_plan.h"
#include "passes/registry.h"
#include "runtime/tokenizer/vocab_serialize.h"
#include "support/atomic_file.h"
#include "support/status.h"

namespace rf::compiler {

absl::StatusOr<Compilation> CompileToIr(const std::string& model_path,
                                        const CompileOptions& options) {
  Compilation c;
  RF_ASSIGN_OR_RETURN(c.model, gguf::GgufFile::Open(model_path));
  RF_ASSIGN_OR_RETURN(c.graph, gguf::LowerModel(*c.model, options.lower));
  passes::PassManager pm(options.pass_manager);
  RF_RETURN_IF_ERROR(pm.CheckOptionNames());
  RF_RETURN_IF_ERROR(
      pm.AddByName(options.pipeline.empty() ? passes::DefaultPipeline() : options.pipeline));
  RF_RETURN_IF_ERROR(pm.Run(*c.graph));
  c.pass_timing = pm.TimingReport();
  return c;
}

absl::StatusOr<PlanOutputReport> EmitPlan(const Compilation& c, const PlanOutputOptions& options) {
  RF_ASSIGN_OR_RETURN(plan::Plan p, BuildPlan(*c.graph, *c.model, options.target));
  const bool gpu = options.target != "cpu";
  if (!gpu && (options.aot || options.report_kernels || !options.kernels_dir.empty())) {
    return absl::InvalidArgumentError(
        "--aot, --report-kernels and --emit-kernels need a GPU target (--target gfx1100, ...)");
  }
  PlanOutputReport report;
  report.memory = passes::ReportMemory(*c.graph).ToString();
  if (gpu) {
    RF_ASSIGN_OR_RETURN(codegen::Target t, codegen::FindTarget(options.target));
    RF_RETURN_IF_ERROR(codegen::GenerateKernels(p, t));
    if (options.aot || options.report_kernels) {
      AheadOfTimeOptions aot;
      aot.store_code_objects = options.aot;
      RF_ASSIGN_OR_RETURN(codegen::CodeObjectResources resources,
                          CompileKernelsAheadOfTime(p, t, aot));
      if (options.report_kernels) report.kernels = codegen::FormatKernelResources(resources);
    }
  }
  if (!options.kernels_dir.empty()) {
    for (const plan::Kernel& k : p.kernels) {
      RF_RETURN_IF_ERROR(WriteFileAtomically(
          absl::StrCat(options.kernels_dir, "/", k.name, ".hip"),
          {reinterpret_cast<const uint8_t*>(k.source.data()), k.source.size()}));
    }
  }
  if (options.output.empty()) return report;
  RF_ASSIGN_OR_RETURN(tokenizer::Vocab vocab, gguf::ReadVocab(*c.model));
  const std::string vocab_bytes = tokenizer::SerializeVocab(vocab);
  p.tokenizer.assign(vocab_bytes.begin(), vocab_bytes.end());
  RF_ASSIGN_OR_RETURN(std::vector<uint8_t> weights,
                      BuildWeightsRegion(*c.graph, *c.model, /*gpu_layout=*/gpu));
  RF_RETURN_IF_ERROR(plan::WritePlan(options.output, p, weights));
  return report;
}

}  // namespace rf::compiler
