// rfc compile MODEL.gguf [-o M.plan] [--target cpu] [--emit=ir] [pass-manager flags]: lowers a
// model, runs the pipeline, writes the plan.
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
      {"target", true, "what the plan runs on: cpu (default), gfx1100, gfx1030, gfx90a, gfx942, sm_90"},
      {"emit-kernels", true, "write each GPU kernel's source to DIR/NAME.hip"},
      {"emit", true, "what to print: ir (the graph after the pipeline)"},
      {"max-context", true, "KV cache positions (default: the model's context, at most 4096)"},
      {"max-batch", true, "most tokens per step (default 512)"},
      {"kv-type", true, "KV cache element type: f16 (default) or f32"},
      {"all-logits", false, "compute logits for every token of a step, not only the last"},
      {"passes", true, "run these passes instead of the default pipeline"},
      {"help", false, "show this help"},
  };
  for (const cli::FlagSpec& f : PassManagerFlags()) flags.push_back(f);
  auto args = cli::Args::Parse(argc, argv, 2, flags);
  auto usage = [&](FILE* out) {
    std::fprintf(out, "usage: rfc compile MODEL.gguf [flags]\n%s", cli::FlagHelp(flags).c_str());
  };
  if (!args.ok()) {
    std::fprintf(stderr, "rfc compile: %s\n", std::string(args.status().message()).c_str());
    usage(stderr);
    return 2;
  }
  if (args->Has("help")) {
    usage(stdout);
    return 0;
  }
  if (args->positional().size() != 1) {
    usage(stderr);
    return 2;
  }
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
  if (auto out = args->Get("o")) {
    auto report = compiler::WritePlanFile(*compilation, args->GetOr("target", "cpu"), *out,
                                          args->GetOr("emit-kernels", ""));
    if (!report.ok()) return fail(report.status());
    std::fprintf(stderr, "rfc compile: wrote %s\n%s\n", out->c_str(), report->c_str());
  }
  return 0;
}

}  // namespace rf::tools
