// Shape and type inference: gives every result the type its op's rule infers (ir/ops.cc), in
// program order, so operands are typed before their users. A result that already has a type must
// agree with the rule; sources and reshapes keep their declared types.
//
// Why: hand-written IR (tests, rfc opt) may leave types out, and passes that create ops can leave
// inference to this pass instead of repeating each op's typing rule (MLIR's InferTypeOpInterface
// plays the same role).
#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/passes.h"

namespace rf::passes {
namespace {

class InferTypesPass : public Pass {
 public:
  const char* name() const override { return "infer-types"; }

  absl::Status Run(ir::Graph& graph) override {
    for (auto& op : graph.ops()) {
      absl::StatusOr<std::vector<ir::Type>> types = ir::InferResultTypes(*op);
      if (!types.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("cannot infer the types of '", op->name(),
                                                       "': ", types.status().message(),
                                                       "\n  in: ", ir::PrintOp(*op)));
      }
      for (int i = 0; i < op->num_results(); ++i) {
        ir::Value* v = op->result(i);
        if (v->has_type() && v->type() != (*types)[i]) {
          return absl::InvalidArgumentError(absl::StrCat(
              "'", op->name(), "' result ", i, " is declared ", v->type().ToString(),
              " but the op gives ", (*types)[i].ToString(), "\n  in: ", ir::PrintOp(*op)));
        }
        v->set_type((*types)[i]);
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<Pass> CreateInferTypesPass() {
  return std::make_unique<InferTypesPass>();
}

}  // namespace rf::passes
