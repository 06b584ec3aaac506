// Fuses rotary embedding of q and k, the KV-cache writes and attention into one op.
//
//   %qr = rope(%q, %pos)
//   %kr = rope(%k, %pos)                 %a, %kc', %vc' =
//   %kc' = kv_store(%kc, %kr, %pos)  ==>     rope_attention(%q, %k, %v, %kc, %vc, %pos)
//   %vc' = kv_store(%vc, %v, %pos)
//   %a = attention(%qr, %kc', %vc', %pos)
//
// Why: in decode these are five tiny launches per layer; one kernel can rotate the single query
// and key in registers, write the new K/V row, and attend (llama.cpp fuses rope into its K/V
// copy; FlashInfer and vLLM apply rope inside the attention kernel). For prefill the kernel
// stores all rows first; the GPU backend may split it where the target needs a grid-wide
// barrier between the stores and the reads.
// When: q and k are roped with identical attributes and frequency factors, and the roped values
// and updated caches feed only this attention.
#include "passes/passes.h"
#include "passes/rewrite.h"
#include "support/status.h"

namespace rf::passes {
namespace {

bool SameRope(const ir::Op& a, const ir::Op& b) {
  const ir::Value* fa = a.num_operands() == 3 ? a.operand(2) : nullptr;
  const ir::Value* fb = b.num_operands() == 3 ? b.operand(2) : nullptr;
  return a.attrs() == b.attrs() && fa == fb && a.operand(1) == b.operand(1);
}

class FuseRopeAttentionPass : public Pass {
 public:
  const char* name() const override { return "fuse-rope-attention"; }

  absl::Status Run(ir::Graph& graph) override {
    std::vector<ir::Op*> attentions;
    for (auto& op : graph.ops()) {
      if (op->kind() == ir::OpKind::kAttention) attentions.push_back(op.get());
    }
    for (ir::Op* att : attentions) {
      ir::Value* pos = att->operand(3);
      ir::Op* q_rope = DefinedBy(att->operand(0), ir::OpKind::kRope);
      ir::Op* k_store = DefinedBy(att->operand(1), ir::OpKind::kKvStore);
      ir::Op* v_store = DefinedBy(att->operand(2), ir::OpKind::kKvStore);
      if (q_rope == nullptr || k_store == nullptr || v_store == nullptr) continue;
      ir::Op* k_rope = DefinedBy(k_store->operand(1), ir::OpKind::kRope);
      if (k_rope == nullptr || !SameRope(*q_rope, *k_rope) || q_rope->operand(1) != pos ||
          k_store->operand(2) != pos || v_store->operand(2) != pos) {
        continue;
      }
      if (!HasOneUse(att->operand(0)) || !HasOneUse(att->operand(1)) ||
          !HasOneUse(att->operand(2)) || !HasOneUse(k_rope->result(0))) {
        continue;
      }
      ir::AttrMap attrs = q_rope->attrs();
      attrs.Set("scale", att->attrs().Float("scale"));
      std::vector<ir::Value*> operands = {q_rope->operand(0),  k_rope->operand(0),
                                          v_store->operand(1), k_store->operand(0),
                                          v_store->operand(0), pos};
      if (q_rope->num_operands() == 3) operands.push_back(q_rope->operand(2));
      RF_RETURN_IF_ERROR(ReplaceWithFused(graph, att, ir::OpKind::kRopeAttention, operands, attrs,
                                          {att->result(0)}, {att, q_rope, k_store, v_store, k_rope})
                             .status());
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateFuseRopeAttentionPass() {
  return std::make_unique<FuseRopeAttentionPass>();
}

}  // namespace rf::passes
