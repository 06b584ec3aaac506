// Dead-code elimination: removes every op none of whose results is used, unless it has side
// effects (outputs, KV-cache stores). Walking the ops backwards removes whole dead chains in one
// sweep, since an op's users always come after it.
//
// Why: lowering emits what the model file describes; fusion leaves the unfused ops behind; both
// rely on this pass to drop what no output needs (weights included, so unused tensors never reach
// the memory plan).
#include <vector>

#include "passes/passes.h"

namespace rf::passes {
namespace {

bool IsDead(const ir::Op& op) {
  if (op.def().side_effects) return false;
  for (int i = 0; i < op.num_results(); ++i) {
    if (op.result(i)->has_users()) return false;
  }
  return true;
}

class DcePass : public Pass {
 public:
  const char* name() const override { return "dce"; }

  absl::Status Run(ir::Graph& graph) override {
    std::vector<ir::Op*> order;
    for (auto& op : graph.ops()) order.push_back(op.get());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      if (IsDead(**it)) graph.Erase(*it);
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateDcePass() {
  return std::make_unique<DcePass>();
}

}  // namespace rf::passes
