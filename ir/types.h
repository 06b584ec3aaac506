// Element types and shapes of IR values.
//
// A shape lists dims outermost first (row-major): activations are [T, n_embd], a weight matrix
// stored by ggml as ne = [n_in, n_out] is [n_out, n_in] here. A dim is a constant or a named
// symbol with an upper bound declared on the graph (`T` = tokens in this step <= max batch).
// Text form: `T x 896 x f32`, a scalar is just `f32`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "quant/types.h"

namespace rf::ir {

enum class ElemType {
  kF32,
  kF16,
  kBF16,
  kI32,
  // GGUF block-quantized types (weights only).
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ8_0,
  kQ2_K,
  kQ3_K,
  kQ4_K,
  kQ5_K,
  kQ6_K,
};

absl::string_view ElemTypeName(ElemType t);  // "f32", "q4_k", ...
std::optional<ElemType> ElemTypeFromName(absl::string_view name);
bool IsQuantized(ElemType t);
bool IsFloat(ElemType t);  // f32, f16, bf16
// The GGUF tensor type of an element type, and back (nullopt for GGUF types the IR lacks).
quant::GgmlType ToGgml(ElemType t);
std::optional<ElemType> FromGgml(quant::GgmlType t);

// A dim: a constant, or a symbol such as T.
struct Dim {
  int64_t value = 0;   // meaningful when symbol is empty
  std::string symbol;  // non-empty for a symbolic dim

  static Dim Const(int64_t v) { return Dim{v, ""}; }
  static Dim Sym(std::string s) { return Dim{0, std::move(s)}; }
  bool is_const() const { return symbol.empty(); }
  bool operator==(const Dim& o) const { return value == o.value && symbol == o.symbol; }
  std::string ToString() const;
};

struct Type {
  ElemType elem = ElemType::kF32;
  std::vector<Dim> shape;

  int rank() const { return static_cast<int>(shape.size()); }
  const Dim& dim(int i) const { return shape[i < 0 ? shape.size() + i : i]; }
  bool operator==(const Type& o) const { return elem == o.elem && shape == o.shape; }
  bool operator!=(const Type& o) const { return !(*this == o); }
  // "T x 896 x f32"
  std::string ToString() const;
  // Elements with every symbol at the bound `bound_of` gives it (used by memory planning).
  template <typename BoundFn>
  int64_t NumElements(BoundFn bound_of) const {
    int64_t n = 1;
    for (const Dim& d : shape) n *= d.is_const() ? d.value : bound_of(d.symbol);
    return n;
  }
  // Bytes, with block-quantized types counted in whole blocks along the last dim.
  template <typename BoundFn>
  int64_t NumBytes(BoundFn bound_of) const {
    const quant::TypeInfo& info = quant::Info(ToGgml(elem));
    return NumElements(bound_of) / info.block_size * info.type_size;
  }
};

// Shorthand constructors for tests and builders: MakeType(ElemType::kF32, {"T", 896}).
struct DimSpec {
  DimSpec(int64_t v) : dim(Dim::Const(v)) {}               // NOLINT: implicit by design
  DimSpec(const char* s) : dim(Dim::Sym(s)) {}             // NOLINT
  DimSpec(std::string s) : dim(Dim::Sym(std::move(s))) {}  // NOLINT
  DimSpec(Dim d) : dim(std::move(d)) {}                    // NOLINT
  Dim dim;
};
Type MakeType(ElemType elem, std::initializer_list<DimSpec> dims);

}  // namespace rf::ir
