// Fuses rms_norm into the matmuls that consume it, as a prologue.
//
//   %n = rms_norm(%x, %nw)           %q = rms_norm_matmul(%x, %nw, %Wq)
//   %q = matmul(%n, %Wq)       ==>   %k = rms_norm_matmul(%x, %nw, %Wk, %bk)
//   %k = matmul_add(%n, %Wk, %bk)    %f = rms_norm_matmul_silu_mul(%x, %nw, %Wg, %Wu)
//   %f = matmul_silu_mul(%n, %Wg, %Wu)
//
// Why: in decode, x is one row of n_embd floats; every block of the matmul kernel can compute its
// norm scale from x (a few KB, cached) instead of a separate launch writing n and the matmuls
// reading it back. Each consumer recomputes the scale: cheap next to reading its weights.
// When: every user of %n is one of those matmul forms, with %n as the activation operand.
#include "passes/passes.h"
#include "passes/rewrite.h"
#include "support/status.h"

namespace rf::passes {
namespace {

bool IsMatmulActivation(const ir::Op& user, const ir::Value* n) {
  switch (user.kind()) {
    case ir::OpKind::kMatmul:
    case ir::OpKind::kMatmulAdd:
    case ir::OpKind::kMatmulSiluMul:
      return user.operand(0) == n &&
             std::count(user.operands().begin(), user.operands().end(), n) == 1;
    default:
      return false;
  }
}

class FuseRmsNormMatmulPass : public Pass {
 public:
  const char* name() const override { return "fuse-rms-norm-matmul"; }

  absl::Status Run(ir::Graph& graph) override {
    std::vector<ir::Op*> norms;
    for (auto& op : graph.ops()) {
      if (op->kind() == ir::OpKind::kRmsNorm) norms.push_back(op.get());
    }
    for (ir::Op* norm : norms) {
      ir::Value* n = norm->result(0);
      if (!n->has_users()) continue;
      bool all_matmuls = true;
      for (ir::Op* user : n->users()) all_matmuls &= IsMatmulActivation(*user, n);
      if (!all_matmuls) continue;
      ir::Value* x = norm->operand(0);
      ir::Value* nw = norm->operand(1);
      std::vector<ir::Op*> users = n->users();
      for (ir::Op* user : users) {
        std::vector<ir::Value*> operands = {x, nw};
        ir::OpKind kind = ir::OpKind::kRmsNormMatmul;
        if (user->kind() == ir::OpKind::kMatmulSiluMul) kind = ir::OpKind::kRmsNormMatmulSiluMul;
        for (int i = 1; i < user->num_operands(); ++i) operands.push_back(user->operand(i));
        RF_RETURN_IF_ERROR(
            ReplaceWithFused(graph, user, kind, operands, norm->attrs(), {user->result(0)}, {user})
                .status());
      }
      graph.Erase(norm);
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateFuseRmsNormMatmulPass() {
  return std::make_unique<FuseRmsNormMatmulPass>();
}

}  // namespace rf::passes
