// Every pass's factory. The registry (registry.cc) lists them by name.
#pragma once

#include <memory>

#include "passes/pass.h"

namespace rf::passes {

// Fills in result types from each op's inference rule (infer_types.cc).
std::unique_ptr<Pass> CreateInferTypesPass();
// Removes ops whose results are unused and that have no side effects (dce.cc).
std::unique_ptr<Pass> CreateDcePass();
// Moves last_token above the rms_norm feeding it (hoist_last_token.cc).
std::unique_ptr<Pass> CreateHoistLastTokenPass();
// Fusions, one pattern each (fuse_*.cc).
std::unique_ptr<Pass> CreateFuseMatmulAddPass();
std::unique_ptr<Pass> CreateFuseGateUpSiluPass();
std::unique_ptr<Pass> CreateFuseAddRmsNormPass();
std::unique_ptr<Pass> CreateFuseRmsNormMatmulPass();
std::unique_ptr<Pass> CreateFuseQkvPass();
std::unique_ptr<Pass> CreateFuseRopeAttentionPass();
// A topological order that keeps live memory low (schedule.cc).
std::unique_ptr<Pass> CreateSchedulePass();
// Places every value in the one arena and checks the plan (plan_memory.cc, memory_plan.h).
std::unique_ptr<Pass> CreatePlanMemoryPass();
std::unique_ptr<Pass> CreateCheckMemoryPlanPass();

}  // namespace rf::passes
