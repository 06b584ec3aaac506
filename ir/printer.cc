#include "ir/printer.h"

#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rf::ir {
namespace {

class Namer {
 public:
  explicit Namer(const Graph* graph) {
    if (graph == nullptr) return;
    std::unordered_map<std::string, int> count;
    for (const auto& op : graph->ops()) {
      for (int i = 0; i < op->num_results(); ++i) {
        if (!op->result(i)->name().empty()) ++count[op->result(i)->name()];
      }
    }
    int next = 0;
    for (const auto& op : graph->ops()) {
      for (int i = 0; i < op->num_results(); ++i) {
        const Value* v = op->result(i);
        names_[v] = !v->name().empty() && count[v->name()] == 1 ? absl::StrCat("%", v->name())
                                                                : absl::StrCat("%", next++);
      }
    }
  }

  std::string Name(const Value* v) const {
    auto it = names_.find(v);
    if (it != names_.end()) return it->second;
    return v->name().empty() ? "%?" : absl::StrCat("%", v->name());
  }

 private:
  std::unordered_map<const Value*, std::string> names_;
};

std::string TypeOrUnknown(const Value* v) {
  return v->has_type() ? v->type().ToString() : "?";
}

std::string Placements(const Op& op) {
  std::string s;
  for (int i = 0; i < op.num_results(); ++i) {
    const Placement& p = op.result(i)->placement();
    if (p.region != Region::kNone) absl::StrAppend(&s, " @", RegionName(p.region), ":", p.offset);
  }
  return s;
}

std::string Print(const Op& op, const Namer& namer) {
  const OpDef& def = op.def();
  std::string s;
  if (op.num_results() > 0) {
    for (int i = 0; i < op.num_results(); ++i)
      absl::StrAppend(&s, i ? ", " : "", namer.Name(op.result(i)));
    s += " = ";
  }
  s += def.name;
  if (def.has_name_arg) {
    absl::StrAppend(&s, " ",
                    op.attrs().Has("name") ? FormatAttrValue(op.attrs().all().at("name")) : "\"\"");
  }
  if (op.num_operands() > 0) {
    s += "(";
    for (int i = 0; i < op.num_operands(); ++i) {
      absl::StrAppend(&s, i ? ", " : "", namer.Name(op.operand(i)));
    }
    s += ")";
  }
  std::vector<std::string> attrs;
  for (const auto& [name, value] : op.attrs().all()) {
    if (def.has_name_arg && name == "name") continue;
    attrs.push_back(absl::StrCat(name, " = ", FormatAttrValue(value)));
  }
  if (!attrs.empty()) absl::StrAppend(&s, " {", absl::StrJoin(attrs, ", "), "}");
  // Types: sources print only their result type; others the full function type.
  if (op.num_operands() == 0) {
    if (op.num_results() == 1) absl::StrAppend(&s, " : ", TypeOrUnknown(op.result(0)));
    return s + Placements(op);
  }
  s += " : (";
  for (int i = 0; i < op.num_operands(); ++i) {
    absl::StrAppend(&s, i ? ", " : "", TypeOrUnknown(op.operand(i)));
  }
  s += ") -> ";
  if (op.num_results() == 1) {
    s += TypeOrUnknown(op.result(0));
  } else {
    s += "(";
    for (int i = 0; i < op.num_results(); ++i) {
      absl::StrAppend(&s, i ? ", " : "", TypeOrUnknown(op.result(i)));
    }
    s += ")";
  }
  return s + Placements(op);
}

}  // namespace

std::string PrintGraph(const Graph& graph) {
  Namer namer(&graph);
  std::string s;
  if (!graph.name().empty()) {
    absl::StrAppend(&s, "graph ", FormatAttrValue(AttrValue(graph.name())), "\n");
  }
  for (const Symbol& sym : graph.symbols()) {
    absl::StrAppend(&s, "symbol ", sym.name, " <= ", sym.upper_bound, "\n");
  }
  if (const MemoryLayout& m = graph.memory(); m.planned()) {
    absl::StrAppend(&s, "memory w ", m.weights, " kv ", m.kv_cache, " act ", m.activations,
                    " param ", m.step_params, "\n");
  }
  for (const auto& op : graph.ops()) absl::StrAppend(&s, Print(*op, namer), "\n");
  return s;
}

std::string PrintOp(const Op& op) {
  return Print(op, Namer(nullptr));
}

}  // namespace rf::ir
