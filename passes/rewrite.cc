#include "passes/rewrite.h"

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "support/status.h"

namespace rf::passes {

absl::StatusOr<ir::Op*> ReplaceWithFused(ir::Graph& graph, ir::Op* at, ir::OpKind kind,
                                         std::vector<ir::Value*> operands, ir::AttrMap attrs,
                                         std::vector<ir::Value*> replaced,
                                         std::vector<ir::Op*> dead) {
  ir::Op* fused = graph.Insert(graph.Find(at), kind, std::move(operands), std::move(attrs));
  absl::StatusOr<std::vector<ir::Type>> types = ir::InferResultTypes(*fused);
  if (!types.ok()) {
    return absl::InternalError(absl::StrCat("fused op is ill-typed: ", types.status().message(),
                                            "\n  in: ", ir::PrintOp(*fused)));
  }
  for (int i = 0; i < fused->num_results(); ++i) {
    fused->result(i)->set_type((*types)[i]);
    if (i < static_cast<int>(replaced.size()) && replaced[i] != nullptr) {
      if (replaced[i]->type() != (*types)[i]) {
        return absl::InternalError(absl::StrCat("fused result ", i, " has type ",
                                                (*types)[i].ToString(), ", replacing ",
                                                replaced[i]->type().ToString()));
      }
      fused->result(i)->set_name(replaced[i]->name());
      graph.ReplaceAllUses(replaced[i], fused->result(i));
    }
  }
  for (ir::Op* op : dead) graph.Erase(op);
  return fused;
}

std::unordered_map<const ir::Op*, int> OpPositions(const ir::Graph& graph) {
  std::unordered_map<const ir::Op*, int> pos;
  int i = 0;
  for (const auto& op : graph.ops()) pos[op.get()] = i++;
  return pos;
}

}  // namespace rf::passes
