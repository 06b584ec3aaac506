// The memory-planning pass: places every value in the arena (memory_plan.h says how) and then
// proves the plan with CheckMemoryPlan, so that no plan that overlaps live values ever leaves
// the compiler.
#include "passes/memory_plan.h"
#include "passes/passes.h"
#include "support/debug.h"
#include "support/status.h"

namespace rf::passes {
namespace {

class PlanMemoryPass : public Pass {
 public:
  const char* name() const override { return "plan-memory"; }

  absl::Status Run(ir::Graph& graph) override {
    RF_RETURN_IF_ERROR(PlanMemory(graph));
    RF_RETURN_IF_ERROR(CheckMemoryPlan(graph));
    RF_DEBUG_LOG(1, "memory plan: %s", ReportMemory(graph).ToString());
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreatePlanMemoryPass() {
  return std::make_unique<PlanMemoryPass>();
}

}  // namespace rf::passes

namespace rf::passes {
namespace {

// Checks a plan without changing it: for IR that arrives planned (rfc opt on printed IR, tests
// that break a plan on purpose).
class CheckMemoryPlanPass : public Pass {
 public:
  const char* name() const override { return "check-memory-plan"; }
  absl::Status Run(ir::Graph& graph) override { return CheckMemoryPlan(graph); }
};

}  // namespace

std::unique_ptr<Pass> CreateCheckMemoryPlanPass() {
  return std::make_unique<CheckMemoryPlanPass>();
}

}  // namespace rf::passes
