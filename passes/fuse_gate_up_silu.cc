// Fuses the gated FFN's two projections and activation into one op.
//
//   %g = matmul(%x, %Wg)
//   %s = silu(%g)                   %y = matmul_silu_mul(%x, %Wg, %Wu)
//   %u = matmul(%x, %Wu)      ==>
//   %y = mul(%s, %u)
//
// Why: in decode both GEMVs read the same x and are memory-bound on their weights; one kernel
// reads x once, computes both dot products per output row and applies silu(g) * u in registers,
// never writing g or u ([T, n_ff] each) to memory (llama.cpp's fused gate/up; MLC's
// FuseSplitRotaryEmbedding / decode GEMV fusions do likewise).
// When: g, s and u have no other uses and Wg, Wu have the same type and shape.
#include "passes/passes.h"
#include "passes/rewrite.h"
#include "support/status.h"

namespace rf::passes {
namespace {

class FuseGateUpSiluPass : public Pass {
 public:
  const char* name() const override { return "fuse-gate-up-silu"; }

  absl::Status Run(ir::Graph& graph) override {
    std::vector<ir::Op*> muls;
    for (auto& op : graph.ops()) {
      if (op->kind() == ir::OpKind::kMul) muls.push_back(op.get());
    }
    for (ir::Op* mul : muls) {
      for (int side = 0; side < 2; ++side) {
        ir::Value* s = mul->operand(side);
        ir::Value* u = mul->operand(1 - side);
        ir::Op* silu = DefinedBy(s, ir::OpKind::kSilu);
        ir::Op* up = DefinedBy(u, ir::OpKind::kMatmul);
        if (silu == nullptr || up == nullptr || !HasOneUse(s) || !HasOneUse(u)) continue;
        ir::Value* g = silu->operand(0);
        ir::Op* gate = DefinedBy(g, ir::OpKind::kMatmul);
        if (gate == nullptr || !HasOneUse(g) || gate->operand(0) != up->operand(0) ||
            gate->operand(1)->type() != up->operand(1)->type()) {
          continue;
        }
        RF_RETURN_IF_ERROR(ReplaceWithFused(graph, mul, ir::OpKind::kMatmulSiluMul,
                                            {gate->operand(0), gate->operand(1), up->operand(1)},
                                            {}, {mul->result(0)}, {mul, silu, gate, up})
                               .status());
        break;
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateFuseGateUpSiluPass() {
  return std::make_unique<FuseGateUpSiluPass>();
}

}  // namespace rf::passes
