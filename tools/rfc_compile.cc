// rfc compile MODEL.gguf [-o M.plan] [--target cpu] [--emit=ir] [--emit-kernels DIR] [--aot]
// [--report-kernels] [pass-manager flags]: lowers a model, runs the pipeline, writes the plan.
#include <cstdio>

#include "compiler/driver.h"
#include "ir/printer.h"
#include "passes/registry.h"
#include "tools/cli.h"
#include "tools/pass_flags.h"
#include "tools/rfc_commands.h"

namespace rf::tools {

int RunCompile(int argc, char** argv) {
  std::vector<cli::FlagSpec> flags = {
      {"o", true, "write the plan to this file"},
      {"target", true,
       "what the plan runs on: cpu (default), gfx1100, gfx1030, gfx90a, gfx942, sm_90"},
      {"emit-kernels", true, "write each GPU kernel's source to DIR/NAME.hip (works without -o)"},
      {"aot", false, "compile the kernels now (clang, AMD targets) and store them in the plan"},
      {"report-kernels", false,
       "print each kernel's VGPRs, SGPRs, LDS, scratch, spills and occupancy (AMD targets)"},
      {"emit", true, "what to print: ir (the graph after the pipeline)"},
      {"max-context", true, "KV cache positions (default: the model's context, at most 4096)"},
      {"max-batch", true, "most tokens per step (default 512)"},
      {"kv-type", true, "KV cache element type: f16 (default) or f32"},
      {"all-logits", false, "compute logits for every token of a step, not only the last"},
      {"passes", true, "run these passes instead of the default pipeline"},
      {"help", false, "show this help"},
  };
  for (const cli::FlagSpec& f : PassManagerFlags()) flags.push_back(f);
  int exit_code = 0;
  auto args = cli::ParseCommand(argc, argv, 2, flags, {"rfc compile", "MODEL.gguf [flags]", 1, 1},
                                &exit_code);
  if (!args) return exit_code;
  auto fail = [](const absl::Status& s) {
    std::fprintf(stderr, "rfc compile: %s\n", std::string(s.message()).c_str());
    return 1;
  };
  compiler::CompileOptions options;
  auto max_context = args->GetInt("max-context", 0);
  auto max_batch = args->GetInt("max-batch", 512);
  if (!max_context.ok()) return fail(max_context.status());
  if (!max_batch.ok()) return fail(max_batch.status());
  options.lower.max_context = *max_context;
  options.lower.max_batch = *max_batch;
  const std::string kv = args->GetOr("kv-type", "f16");
  if (kv == "f16") {
    options.lower.kv_type = ir::ElemType::kF16;
  } else if (kv == "f32") {
    options.lower.kv_type = ir::ElemType::kF32;
  } else {
    return fail(absl::InvalidArgumentError("--kv-type must be f16 or f32, got '" + kv + "'"));
  }
  options.lower.all_logits = args->Has("all-logits");
  auto pm_options = PassManagerOptionsFromArgs(*args);
  if (!pm_options.ok()) return fail(pm_options.status());
  options.pass_manager = *pm_options;
  if (auto p = args->Get("passes")) {
    auto names = passes::ParsePassList(*p);
    if (!names.ok()) return fail(names.status());
    options.pipeline = *names;
  }
  const std::string emit = args->GetOr("emit", "");
  if (!emit.empty() && emit != "ir") {
    return fail(absl::InvalidArgumentError("--emit must be 'ir', got '" + emit + "'"));
  }
  auto compilation = compiler::CompileToIr(args->positional()[0], options);
  if (!compilation.ok()) return fail(compilation.status());
  if (options.pass_manager.time_passes) std::fputs(compilation->pass_timing.c_str(), stderr);
  if (emit == "ir") std::fputs(ir::PrintGraph(*compilation->graph).c_str(), stdout);
  compiler::PlanOutputOptions plan_options;
  plan_options.target = args->GetOr("target", "cpu");
  plan_options.output = args->GetOr("o", "");
  plan_options.kernels_dir = args->GetOr("emit-kernels", "");
  plan_options.aot = args->Has("aot");
  plan_options.report_kernels = args->Has("report-kernels");
  if (plan_options.aot && plan_options.output.empty()) {
    return fail(absl::InvalidArgumentError("--aot stores code objects in the plan: give -o FILE"));
  }
  if (plan_options.output.empty() && plan_options.kernels_dir.empty() &&
      !plan_options.report_kernels) {
    return 0;
  }
  auto report = compiler::EmitPlan(*compilation, plan_options);
  if (!report.ok()) return fail(report.status());
  if (!report->kernels.empty()) std::fputs(report->kernels.c_str(), stdout);
  if (!plan_options.output.empty()) {
    std::fprintf(stderr, "rfc compile: wrote %s\n%s\n", plan_options.output.c_str(),
                 report->memory.c_str());
  } else if (!plan_options.kernels_dir.empty()) {
    std::fprintf(stderr, "rfc compile: wrote the kernels to %s (no plan: -o not given)\n",
                 plan_options.kernels_dir.c_str());
  }
  return 0;
}

}  // namespace rf::tools
