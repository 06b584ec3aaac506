// Fuses an add that consumes a matmul into the matmul's epilogue.
//
//   %m = matmul(%x, %W)            %y = matmul_add(%x, %W, %a)
//   %y = add(%m, %a)         ==>
//
// %a is a bias ([N], qwen2's q/k/v) or a residual ([T, N], the attention and FFN outputs joining
// the residual stream). Why: the kernel that produces y can add a as it writes y, instead of a
// second launch re-reading y (MLC's FuseAddToMatmul / cuBLASLt's bias epilogue).
// When: %m has no other use. add(%a, %m) is taken too when %a has %m's full shape.
#include "passes/passes.h"
#include "passes/rewrite.h"
#include "support/status.h"

namespace rf::passes {
namespace {

class FuseMatmulAddPass : public Pass {
 public:
  const char* name() const override { return "fuse-matmul-add"; }

  absl::Status Run(ir::Graph& graph) override {
    std::vector<ir::Op*> adds;
    for (auto& op : graph.ops()) {
      if (op->kind() == ir::OpKind::kAdd) adds.push_back(op.get());
    }
    for (ir::Op* add : adds) {
      for (int side = 0; side < 2; ++side) {
        ir::Value* m = add->operand(side);
        ir::Value* a = add->operand(1 - side);
        ir::Op* mm = DefinedBy(m, ir::OpKind::kMatmul);
        if (mm == nullptr || !HasOneUse(m) || (side == 1 && a->type() != m->type())) continue;
        RF_RETURN_IF_ERROR(ReplaceWithFused(graph, add, ir::OpKind::kMatmulAdd,
                                            {mm->operand(0), mm->operand(1), a}, {},
                                            {add->result(0)}, {add, mm})
                               .status());
        break;
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateFuseMatmulAddPass() {
  return std::make_unique<FuseMatmulAddPass>();
}

}  // namespace rf::passes
