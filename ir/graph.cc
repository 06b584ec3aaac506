#include "ir/graph.h"

#include <algorithm>
#include <unordered_map>

#include "ir/printer.h"

namespace rf::ir {

const char* RegionName(Region r) {
  switch (r) {
    case Region::kWeights:
      return "w";
    case Region::kKvCache:
      return "kv";
    case Region::kActivations:
      return "act";
    case Region::kStepParams:
      return "param";
    case Region::kNone:
      break;
  }
  return "none";
}

int64_t MemoryLayout::Base(Region r) const {
  switch (r) {
    case Region::kWeights:
      return 0;
    case Region::kKvCache:
      return weights;
    case Region::kActivations:
      return weights + kv_cache;
    case Region::kStepParams:
      return weights + kv_cache + activations;
    case Region::kNone:
      break;
  }
  return 0;
}

Op::Op(OpKind kind, std::vector<Value*> operands, int num_results, AttrMap attrs)
    : kind_(kind), operands_(std::move(operands)), attrs_(std::move(attrs)) {
  for (int i = 0; i < num_results; ++i) results_.emplace_back(new Value(this, i));
  for (Value* v : operands_) v->users_.push_back(this);
}

void Op::SetOperand(int i, Value* v) {
  Value* old = operands_[i];
  auto it = std::find(old->users_.begin(), old->users_.end(), this);
  if (it != old->users_.end()) old->users_.erase(it);
  operands_[i] = v;
  v->users_.push_back(this);
}

std::string Op::ToString() const {
  return PrintOp(*this);
}

void Graph::SetSymbol(absl::string_view name, int64_t upper_bound) {
  for (Symbol& s : symbols_) {
    if (s.name == name) {
      s.upper_bound = upper_bound;
      return;
    }
  }
  symbols_.push_back({std::string(name), upper_bound});
}

const Symbol* Graph::FindSymbol(absl::string_view name) const {
  for (const Symbol& s : symbols_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

int64_t Graph::Bound(absl::string_view symbol) const {
  const Symbol* s = FindSymbol(symbol);
  return s ? s->upper_bound : 0;
}

Op* Graph::Insert(iterator pos, OpKind kind, std::vector<Value*> operands, AttrMap attrs) {
  std::unique_ptr<Op> op(
      new Op(kind, std::move(operands), GetOpDef(kind).num_results, std::move(attrs)));
  Op* raw = op.get();
  ops_.insert(pos, std::move(op));
  return raw;
}

Graph::iterator Graph::Find(const Op* op) {
  return std::find_if(ops_.begin(), ops_.end(),
                      [op](const std::unique_ptr<Op>& p) { return p.get() == op; });
}

void Graph::Erase(Op* op) {
  for (int i = 0; i < op->num_results(); ++i) {
    if (op->result(i)->has_users()) __builtin_trap();  // erasing a used value is a pass bug
  }
  for (Value* v : op->operands_) {
    auto it = std::find(v->users_.begin(), v->users_.end(), op);
    if (it != v->users_.end()) v->users_.erase(it);
  }
  ops_.erase(Find(op));
}

void Graph::ReplaceAllUses(Value* from, Value* to) {
  if (from == to) return;
  std::vector<Op*> users = from->users_;
  for (Op* user : users) {
    for (int i = 0; i < user->num_operands(); ++i) {
      if (user->operand(i) == from) user->SetOperand(i, to);
    }
  }
}

void Graph::Reorder(const std::vector<Op*>& order) {
  std::unordered_map<const Op*, std::unique_ptr<Op>> owned;
  for (auto& p : ops_) {
    const Op* key = p.get();
    owned.emplace(key, std::move(p));
  }
  ops_.clear();
  for (Op* op : order) ops_.push_back(std::move(owned.at(op)));
}

}  // namespace rf::ir
