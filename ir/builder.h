// Builds graphs op by op, inferring each result type as it goes. Frontends write the model as a
// sequence of calls (`x = b.RmsNorm(h, w, eps)`); the first ill-typed op is remembered, with the
// op's text, and status() reports it at the end, so lowering code stays straight-line.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "ir/graph.h"

namespace rf::ir {

class Builder {
 public:
  explicit Builder(Graph& graph) : graph_(graph) {}

  const absl::Status& status() const { return status_; }
  Graph& graph() { return graph_; }

  Value* Input(const std::string& name, Type type);
  Value* Weight(const std::string& name, Type type);
  Value* State(const std::string& name, Type type);
  void Output(const std::string& name, Value* x);

  Value* Embedding(Value* table, Value* ids);
  Value* RmsNorm(Value* x, Value* w, float eps);
  Value* Matmul(Value* x, Value* w);
  Value* Add(Value* a, Value* b);
  Value* Mul(Value* a, Value* b);
  Value* Silu(Value* x);
  Value* Gelu(Value* x);
  // `freq_factors` may be null.
  Value* Rope(Value* x, Value* pos, Value* freq_factors, const std::string& style, int64_t n_rot,
              float theta);
  Value* Reshape(Value* x, Type to);
  Value* KvStore(Value* cache, Value* x, Value* pos);
  Value* Attention(Value* q, Value* k_cache, Value* v_cache, Value* pos, float scale);
  Value* Softmax(Value* x);
  Value* LastToken(Value* x);
  Value* Argmax(Value* x);

  // Any op: creates it at the end of the graph and infers its result types. `declared` is the
  // result type of ops that declare it (sources, reshape).
  Op* Create(OpKind kind, std::vector<Value*> operands, AttrMap attrs = {},
             const Type* declared = nullptr);
  // Names the last created op's first result (for readable IR).
  Value* Named(Value* v, std::string name) {
    v->set_name(std::move(name));
    return v;
  }

 private:
  Value* Source(OpKind kind, const std::string& name, Type type);
  Graph& graph_;
  absl::Status status_;
};

}  // namespace rf::ir
