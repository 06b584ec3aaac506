// Moves last_token above the row-wise op that feeds it.
//
//   %n = rms_norm(%x, %w)            %l = last_token(%x)
//   %l = last_token(%n)        ==>   %n = rms_norm(%l, %w)
//
// Why: rms_norm works row by row, so normalizing only the last row gives the same result; in
// prefill it skips T-1 rows of work, and it leaves rms_norm directly before the logits matmul,
// where fuse-rms-norm-matmul can take it. (A canonicalization in the spirit of MLIR's
// "push slices through elementwise ops".)
// When: the norm's result has no other use.
#include "passes/passes.h"
#include "passes/rewrite.h"
#include "support/status.h"

namespace rf::passes {
namespace {

class HoistLastTokenPass : public Pass {
 public:
  const char* name() const override { return "hoist-last-token"; }

  absl::Status Run(ir::Graph& graph) override {
    std::vector<ir::Op*> lasts;
    for (auto& op : graph.ops()) {
      if (op->kind() == ir::OpKind::kLastToken) lasts.push_back(op.get());
    }
    for (ir::Op* last : lasts) {
      ir::Op* norm = DefinedBy(last->operand(0), ir::OpKind::kRmsNorm);
      if (norm == nullptr || !HasOneUse(norm->result(0))) continue;
      ir::Value* x = norm->operand(0);
      RF_ASSIGN_OR_RETURN(ir::Op * new_last,
                          ReplaceWithFused(graph, last, ir::OpKind::kLastToken, {x}, {}, {}, {}));
      RF_RETURN_IF_ERROR(ReplaceWithFused(graph, last, ir::OpKind::kRmsNorm,
                                          {new_last->result(0), norm->operand(1)}, norm->attrs(),
                                          {last->result(0)}, {last, norm})
                             .status());
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateHoistLastTokenPass() {
  return std::make_unique<HoistLastTokenPass>();
}

}  // namespace rf::passes
