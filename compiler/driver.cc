#include "compiler/driver.h"

#include "passes/registry.h"
#include "support/status.h"

namespace rf::compiler {

absl::StatusOr<Compilation> CompileToIr(const std::string& model_path,
                                        const CompileOptions& options) {
  Compilation c;
  RF_ASSIGN_OR_RETURN(c.model, gguf::GgufFile::Open(model_path));
  RF_ASSIGN_OR_RETURN(c.graph, gguf::LowerModel(*c.model, options.lower));
  passes::PassManager pm(options.pass_manager);
  RF_RETURN_IF_ERROR(pm.CheckOptionNames());
  RF_RETURN_IF_ERROR(pm.AddByName(options.pipeline.empty() ? passes::DefaultPipeline()
                                                           : options.pipeline));
  RF_RETURN_IF_ERROR(pm.Run(*c.graph));
  c.pass_timing = pm.TimingReport();
  return c;
}

}  // namespace rf::compiler
