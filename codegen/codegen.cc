#include "codegen/codegen.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "codegen/kernels.h"
#include "codegen/prelude.h"
#include "support/debug.h"
#include "support/status.h"

namespace rf::codegen {

absl::Status GenerateKernels(plan::Plan& plan, const Target& target) {
  plan.kernels.clear();
  std::map<std::string, int32_t> by_source;  // source -> kernel index
  std::map<std::string, int> names;          // name -> uses, to keep names unique
  uint64_t workspace = 0;
  for (auto [program, kind] :
       {std::pair{&plan.decode, StepKind::kDecode}, std::pair{&plan.prefill, StepKind::kPrefill}}) {
    for (plan::Instruction& in : program->instructions) {
      absl::StatusOr<std::vector<KernelSpec>> specs =
          EmitKernels(in, target, kind, plan.model.max_batch);
      if (!specs.ok()) {
        return WithContext(specs.status(), absl::StrCat("codegen for ", target.name, ", program '",
                                                        program->name, "', ", in.label));
      }
      in.kernels.clear();
      for (KernelSpec& spec : *specs) {
        workspace = std::max(workspace, spec.workspace_bytes);
        const std::string original = spec.body;  // the dedupe key, before any renaming
        auto it = by_source.find(original);
        if (it == by_source.end()) {
          if (int uses = names[spec.name]++; uses > 0) {
            // The same name for a different source: rename both the entry point and the kernel.
            const std::string renamed = absl::StrCat(spec.name, "_v", uses + 1);
            size_t at = spec.body.find(" void " + spec.name + "(");
            if (at != std::string::npos) spec.body.replace(at + 6, spec.name.size(), renamed);
            spec.name = renamed;
          }
          plan::Kernel k;
          k.name = spec.name;
          // The complete source the runtime compiles: wave-size guard, prelude, body.
          k.source = absl::StrCat(
              "#define RF_WAVE_SIZE ", target.wave_size, "\n",
              WithPrelude(target.nvidia ? KernelDialect::kCuda : KernelDialect::kHip, spec.body));
          k.block = spec.block;
          k.grid_base = spec.grid_base;
          k.grid_per_tile = spec.grid_per_tile;
          k.token_tile = spec.token_tile;
          k.grid_y = spec.grid_y;
          it = by_source.emplace(original, static_cast<int32_t>(plan.kernels.size())).first;
          plan.kernels.push_back(std::move(k));
        }
        in.kernels.push_back(it->second);
      }
    }
  }
  // The workspace sits after the planned activations, 256-byte aligned.
  const uint64_t aligned = (workspace + 255) / 256 * 256;
  plan.workspace_offset = plan.arena.weights + plan.arena.kv_cache + plan.arena.activations;
  plan.workspace_bytes = aligned;
  plan.arena.activations += aligned;
  // The step parameters moved up by the workspace: shift every reference into them.
  const uint64_t params_start = plan.workspace_offset;
  auto shift = [&](plan::TensorRef& r) {
    if (r.offset >= params_start) r.offset += aligned;
  };
  for (plan::Program* program : {&plan.decode, &plan.prefill}) {
    for (plan::Instruction& in : program->instructions) {
      for (auto& r : in.operands) shift(r);
      for (auto& r : in.results) shift(r);
    }
  }
  for (plan::Binding& b : plan.inputs) shift(b.ref);
  for (plan::Binding& b : plan.outputs) shift(b.ref);
  if (plan.n_tokens_offset >= params_start) plan.n_tokens_offset += aligned;
  RF_DEBUG_LOG(1, "codegen %s: %zu kernels for %zu + %zu instructions, workspace %llu bytes",
               target.name, plan.kernels.size(), plan.decode.instructions.size(),
               plan.prefill.instructions.size(), static_cast<unsigned long long>(aligned));
  return absl::OkStatus();
}

}  // namespace rf::codegen
