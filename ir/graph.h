// The IR graph: ops in program order producing SSA values.
//
//   Graph  -- symbols (T <= 512), a list of ops in a valid topological (program) order
//   Op     -- kind, operands (Values defined earlier), results (Values it owns), attributes
//   Value  -- one result of one op: a type, an optional name, and the ops that use it
//
// Weights, graph inputs and the KV cache are values too, defined by `weight`, `input` and `state`
// ops, so every pass sees every byte the model touches. The KV cache is state that persists
// across steps; `kv_store` writes into it and returns the updated cache (the same storage), so
// dataflow orders the store before the attention that reads it.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ir/attributes.h"
#include "ir/ops.h"
#include "ir/types.h"

namespace rf::ir {

class Op;

// Where a value lives in the arena, once memory planning has run. The arena is one buffer of
// regions in this order: weights | kv cache | activations | step parameters; offsets are relative
// to the value's region. Views (reshape, a KV store's updated cache) share their base's bytes.
enum class Region : uint8_t { kNone, kWeights, kKvCache, kActivations, kStepParams };
const char* RegionName(Region r);  // "w", "kv", "act", "param"
struct Placement {
  Region region = Region::kNone;
  int64_t offset = 0;
  bool operator==(const Placement& o) const { return region == o.region && offset == o.offset; }
};

// The sizes of the arena's regions (bytes), set by memory planning.
struct MemoryLayout {
  int64_t weights = 0;
  int64_t kv_cache = 0;
  int64_t activations = 0;
  int64_t step_params = 0;
  bool planned() const { return weights + kv_cache + activations + step_params > 0; }
  // Where each region starts in the arena.
  int64_t Base(Region r) const;
  int64_t total() const { return weights + kv_cache + activations + step_params; }
};

class Value {
 public:
  Op* def() const { return def_; }
  int result_index() const { return index_; }
  const Type& type() const { return type_; }
  bool has_type() const { return has_type_; }
  void set_type(Type t) {
    type_ = std::move(t);
    has_type_ = true;
  }
  // A name for printing ("q", "blk0.attn_out"); empty means numbered.
  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }
  const Placement& placement() const { return placement_; }
  void set_placement(Placement p) { placement_ = p; }
  // The ops that use this value, once per operand slot (an op using it twice appears twice).
  const std::vector<Op*>& users() const { return users_; }
  bool has_users() const { return !users_.empty(); }

 private:
  friend class Op;
  friend class Graph;
  Value(Op* def, int index) : def_(def), index_(index) {}
  Op* def_;
  int index_;
  Type type_;
  bool has_type_ = false;
  std::string name_;
  Placement placement_;
  std::vector<Op*> users_;
};

class Op {
 public:
  OpKind kind() const { return kind_; }
  const OpDef& def() const { return GetOpDef(kind_); }
  absl::string_view name() const { return def().name; }

  int num_operands() const { return static_cast<int>(operands_.size()); }
  Value* operand(int i) const { return operands_[i]; }
  const std::vector<Value*>& operands() const { return operands_; }
  void SetOperand(int i, Value* v);

  int num_results() const { return static_cast<int>(results_.size()); }
  Value* result(int i = 0) const { return results_[i].get(); }

  AttrMap& attrs() { return attrs_; }
  const AttrMap& attrs() const { return attrs_; }

  // The op's printed form, for error messages.
  std::string ToString() const;

 private:
  friend class Graph;
  Op(OpKind kind, std::vector<Value*> operands, int num_results, AttrMap attrs);
  OpKind kind_;
  std::vector<Value*> operands_;
  std::vector<std::unique_ptr<Value>> results_;
  AttrMap attrs_;
};

struct Symbol {
  std::string name;
  int64_t upper_bound = 0;
};

class Graph {
 public:
  using OpList = std::list<std::unique_ptr<Op>>;
  using iterator = OpList::iterator;

  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  const std::string& name() const { return name_; }
  void set_name(std::string n) { name_ = std::move(n); }

  // Symbolic dims and their upper bounds, in declaration order.
  const std::vector<Symbol>& symbols() const { return symbols_; }
  void SetSymbol(absl::string_view name, int64_t upper_bound);
  const Symbol* FindSymbol(absl::string_view name) const;
  int64_t Bound(absl::string_view symbol) const;  // 0 if undeclared

  const MemoryLayout& memory() const { return memory_; }
  void set_memory(MemoryLayout m) { memory_ = m; }

  OpList& ops() { return ops_; }
  const OpList& ops() const { return ops_; }
  size_t size() const { return ops_.size(); }

  // Creates an op before `pos` (end() appends). Result types are left unset.
  Op* Insert(iterator pos, OpKind kind, std::vector<Value*> operands, AttrMap attrs = {});
  Op* Append(OpKind kind, std::vector<Value*> operands, AttrMap attrs = {}) {
    return Insert(ops_.end(), kind, std::move(operands), std::move(attrs));
  }
  iterator Find(const Op* op);
  // Removes an op whose results have no users.
  void Erase(Op* op);
  // Points every use of `from` at `to`.
  void ReplaceAllUses(Value* from, Value* to);
  // Reorders ops to `order` (a permutation of the current ops).
  void Reorder(const std::vector<Op*>& order);

 private:
  std::string name_;
  std::vector<Symbol> symbols_;
  MemoryLayout memory_;
  OpList ops_;
};

}  // namespace rf::ir
