// Scheduling: a topological order of the ops that keeps live memory low.
//
// List scheduling: among the ops whose operands are all computed, run next the one that frees the
// most activation bytes minus the bytes it allocates (ties keep program order), so that a value's
// consumers run soon after it and big temporaries die early — the greedy memory-aware
// topological sort that TVM's and XLA's schedulers start from. Sources (weights, states, inputs)
// occupy no activation memory and are placed just before their first user, which keeps the
// printed IR readable too.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "passes/memory_plan.h"
#include "passes/passes.h"

namespace rf::passes {
namespace {

bool IsSource(const ir::Op& op) {
  return op.kind() == ir::OpKind::kWeight || op.kind() == ir::OpKind::kState ||
         op.kind() == ir::OpKind::kInput;
}

class SchedulePass : public Pass {
 public:
  const char* name() const override { return "schedule"; }

  absl::Status Run(ir::Graph& graph) override {
    std::vector<ir::Op*> ops;
    std::unordered_map<const ir::Op*, int> original;
    for (auto& op : graph.ops()) {
      original[op.get()] = static_cast<int>(ops.size());
      ops.push_back(op.get());
    }
    // Uses of each storage not yet executed (an op using a value twice counts twice).
    std::unordered_map<const ir::Value*, int> pending_uses;
    std::unordered_map<const ir::Op*, int> missing;  // operands whose producer has not run
    for (ir::Op* op : ops) {
      std::unordered_set<const ir::Op*> producers;
      for (ir::Value* v : op->operands()) {
        ++pending_uses[StorageOf(v)];
        if (!IsSource(*v->def())) producers.insert(v->def());
      }
      missing[op] = static_cast<int>(producers.size());
    }
    std::vector<ir::Op*> ready, order;
    std::unordered_set<const ir::Op*> done;
    for (ir::Op* op : ops) {
      if (!IsSource(*op) && missing[op] == 0) ready.push_back(op);
    }
    auto gain = [&](const ir::Op* op) {
      int64_t g = 0;
      std::unordered_map<const ir::Value*, int> uses_here;
      for (ir::Value* v : op->operands()) ++uses_here[StorageOf(v)];
      for (const auto& [storage, n] : uses_here) {
        if (!IsSource(*storage->def()) && pending_uses[storage] == n)
          g += MaxBytes(*storage, graph);
      }
      for (int r = 0; r < op->num_results(); ++r) {
        if (StorageOf(op->result(r)) == op->result(r)) g -= MaxBytes(*op->result(r), graph);
      }
      return g;
    };
    while (!ready.empty()) {
      auto best = std::min_element(ready.begin(), ready.end(), [&](ir::Op* a, ir::Op* b) {
        const int64_t ga = gain(a), gb = gain(b);
        return ga != gb ? ga > gb : original[a] < original[b];
      });
      ir::Op* op = *best;
      ready.erase(best);
      // Sources right before their first user.
      for (ir::Value* v : op->operands()) {
        if (IsSource(*v->def()) && done.insert(v->def()).second) order.push_back(v->def());
      }
      order.push_back(op);
      done.insert(op);
      for (ir::Value* v : op->operands()) --pending_uses[StorageOf(v)];
      std::unordered_set<const ir::Op*> woken;
      for (int r = 0; r < op->num_results(); ++r) {
        for (ir::Op* user : op->result(r)->users()) {
          if (woken.insert(user).second && --missing[user] == 0) ready.push_back(user);
        }
      }
    }
    // Sources nobody uses keep a place at the end (DCE normally removed them).
    for (ir::Op* op : ops) {
      if (!done.count(op)) order.push_back(op);
    }
    graph.Reorder(order);
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateSchedulePass() {
  return std::make_unique<SchedulePass>();
}

}  // namespace rf::passes
