#include "ir/verifier.h"

#include <set>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "ir/printer.h"
#include "support/status.h"

namespace rf::ir {

absl::StatusOr<std::vector<Type>> InferResultTypes(const Op& op) {
  const OpDef& def = op.def();
  if (def.num_operands >= 0 && op.num_operands() != def.num_operands) {
    return absl::InvalidArgumentError(
        absl::StrCat("expects ", def.num_operands, " operands, has ", op.num_operands()));
  }
  for (int i = 0; i < op.num_operands(); ++i) {
    if (!op.operand(i)->has_type()) {
      return absl::InvalidArgumentError(absl::StrCat("operand ", i, " has no type yet"));
    }
  }
  std::vector<Type> results(def.num_results);
  RF_RETURN_IF_ERROR(def.infer(op, results));
  return results;
}

absl::Status Verify(const Graph& graph) {
  std::unordered_set<const Value*> defined;
  std::set<std::pair<int, std::string>> names;  // (kind, name) of sources and outputs
  for (const auto& op_ptr : graph.ops()) {
    const Op& op = *op_ptr;
    auto fail = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid '", op.name(), "': ", why, "\n  in: ", PrintOp(op)));
    };
    for (int i = 0; i < op.num_operands(); ++i) {
      if (!defined.count(op.operand(i))) {
        return fail(absl::StrCat("operand ", i, " is not defined before its use"));
      }
    }
    for (int i = 0; i < op.num_results(); ++i) {
      const Value* v = op.result(i);
      if (!v->has_type()) return fail(absl::StrCat("result ", i, " has no type (run infer-types)"));
      for (const Dim& d : v->type().shape) {
        if (!d.is_const() && graph.FindSymbol(d.symbol) == nullptr) {
          return fail(absl::StrCat("symbol '", d.symbol, "' is not declared"));
        }
        if (d.is_const() && d.value < 0) return fail("negative dim");
      }
    }
    absl::StatusOr<std::vector<Type>> inferred = InferResultTypes(op);
    if (!inferred.ok()) return fail(inferred.status().message());
    for (int i = 0; i < op.num_results(); ++i) {
      if ((*inferred)[i] != op.result(i)->type()) {
        return fail(absl::StrCat("result ", i, " is declared ", op.result(i)->type().ToString(),
                                 " but the op gives ", (*inferred)[i].ToString()));
      }
    }
    if (op.def().has_name_arg) {
      const int group = op.kind() == OpKind::kOutput ? 1 : 0;
      if (!names.emplace(group, op.attrs().String("name")).second) {
        return fail(absl::StrCat("name \"", op.attrs().String("name"), "\" is used twice"));
      }
    }
    for (int i = 0; i < op.num_results(); ++i) defined.insert(op.result(i));
  }
  return absl::OkStatus();
}

}  // namespace rf::ir
