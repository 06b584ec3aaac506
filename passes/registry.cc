#include "passes/registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "passes/passes.h"

namespace rf::passes {

const std::vector<PassInfo>& AllPasses() {
  static const std::vector<PassInfo> kPasses = {
      {"infer-types", "fill in result types from each op's rule", CreateInferTypesPass},
      {"dce", "remove ops whose results are unused", CreateDcePass},
      {"hoist-last-token", "select the last row before a row-wise rms_norm",
       CreateHoistLastTokenPass},
      {"fuse-matmul-add", "add a bias or residual in the matmul's epilogue",
       CreateFuseMatmulAddPass},
      {"fuse-gate-up-silu", "gate and up matmuls + silu * mul in one op", CreateFuseGateUpSiluPass},
      {"fuse-add-rms-norm", "residual add + rms_norm in one op", CreateFuseAddRmsNormPass},
      {"fuse-rms-norm-matmul", "rms_norm as the prologue of the matmuls it feeds",
       CreateFuseRmsNormMatmulPass},
      {"fuse-qkv", "the q, k and v projections of one normalized x in one op", CreateFuseQkvPass},
      {"fuse-rope-attention", "rope q/k + KV-cache stores + attention in one op",
       CreateFuseRopeAttentionPass},
      {"schedule", "order ops to keep live memory low", CreateSchedulePass},
      {"plan-memory", "place every value in the arena; check the plan", CreatePlanMemoryPass},
      {"check-memory-plan", "prove that no two live values overlap", CreateCheckMemoryPlanPass},
  };
  return kPasses;
}

const PassInfo* FindPass(absl::string_view name) {
  for (const PassInfo& p : AllPasses()) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

absl::StatusOr<std::vector<std::string>> ParsePassList(absl::string_view list) {
  std::vector<std::string> names;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    if (FindPass(name) == nullptr) {
      std::vector<std::string> known;
      for (const PassInfo& p : AllPasses()) known.push_back(p.name);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown pass '", name, "' (known: ", absl::StrJoin(known, ", "), ")"));
    }
    names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> DefaultPipeline() {
  // Matmul epilogues take the residual adds first (one launch fewer per add than add_rms_norm),
  // then norms become matmul prologues; fuse-add-rms-norm catches the adds left over.
  return {"infer-types",
          "dce",
          "hoist-last-token",
          "fuse-matmul-add",
          "fuse-gate-up-silu",
          "fuse-add-rms-norm",
          "fuse-rms-norm-matmul",
          "fuse-qkv",
          "fuse-rope-attention",
          "dce",
          "schedule",
          "plan-memory"};
}

}  // namespace rf::passes
