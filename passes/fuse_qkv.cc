// Fuses the three projections of one normalized x (attention's q, k and v) into one op.
//
//   %q = rms_norm_matmul(%x, %nw, %Wq [, %bq])
//   %k = rms_norm_matmul(%x, %nw, %Wk [, %bk])   ==>   %q, %k, %v = rms_norm_matmul_qkv(%x, %nw,
//   %v = rms_norm_matmul(%x, %nw, %Wv [, %bv])            %Wq, %Wk, %Wv [, %bq, %bk, %bv])
//
// Why: in decode each of them is a GEMV whose cost beyond its weight bytes is fixed: a launch, the
// norm prologue, the tail of the last blocks. One kernel over the three matrices' rows pays that
// once (llama.cpp and vLLM concatenate the weights into one QKV matrix for the same reason; here
// the rows stay in their tensors and the kernel picks the matrix by row).
// When: three rms_norm_matmuls with the same x, norm weight and eps, weights of one element type,
// and biases on all three or none (a residual addend does not qualify); the first three such
// groups in program order of each (x, nw) pair.
#include <map>
#include <tuple>

#include "passes/passes.h"
#include "passes/rewrite.h"
#include "support/status.h"

namespace rf::passes {
namespace {

bool HasBias(const ir::Op& op) {
  return op.num_operands() == 4 && op.operand(3)->type().rank() == 1;
}

class FuseQkvPass : public Pass {
 public:
  const char* name() const override { return "fuse-qkv"; }

  absl::Status Run(ir::Graph& graph) override {
    // Candidates grouped by what must be equal: x, norm weight, eps, weight type, biases.
    using Key = std::tuple<const ir::Value*, const ir::Value*, float, int, bool>;
    std::map<Key, std::vector<ir::Op*>> groups;
    std::vector<Key> order;
    for (auto& op : graph.ops()) {
      if (op->kind() != ir::OpKind::kRmsNormMatmul) continue;
      if (op->num_operands() == 4 && !HasBias(*op)) continue;  // a residual addend
      const Key key{op->operand(0), op->operand(1), op->attrs().Float("eps"),
                    static_cast<int>(op->operand(2)->type().elem), HasBias(*op)};
      auto [it, inserted] = groups.try_emplace(key);
      if (inserted) order.push_back(key);
      it->second.push_back(op.get());
    }
    for (const Key& key : order) {
      const std::vector<ir::Op*>& ops = groups[key];
      for (size_t i = 0; i + 3 <= ops.size(); i += 3) {
        ir::Op* q = ops[i];
        ir::Op* k = ops[i + 1];
        ir::Op* v = ops[i + 2];
        std::vector<ir::Value*> operands = {q->operand(0), q->operand(1), q->operand(2),
                                            k->operand(2), v->operand(2)};
        if (std::get<4>(key)) {
          for (ir::Op* op : {q, k, v}) operands.push_back(op->operand(3));
        }
        RF_RETURN_IF_ERROR(ReplaceWithFused(graph, q, ir::OpKind::kRmsNormMatmulQkv, operands,
                                            q->attrs(), {q->result(0), k->result(0), v->result(0)},
                                            {q, k, v})
                               .status());
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateFuseQkvPass() {
  return std::make_unique<FuseQkvPass>();
}

}  // namespace rf::passes
