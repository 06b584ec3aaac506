#include "ir/types.h"

#include "absl/strings/str_cat.h"

namespace rf::ir {
namespace {

struct ElemInfo {
  ElemType type;
  const char* name;
  quant::GgmlType ggml;
};

constexpr ElemInfo kElems[] = {
    {ElemType::kF32, "f32", quant::GgmlType::kF32},
    {ElemType::kF16, "f16", quant::GgmlType::kF16},
    {ElemType::kBF16, "bf16", quant::GgmlType::kBF16},
    {ElemType::kI32, "i32", quant::GgmlType::kI32},
    {ElemType::kQ4_0, "q4_0", quant::GgmlType::kQ4_0},
    {ElemType::kQ4_1, "q4_1", quant::GgmlType::kQ4_1},
    {ElemType::kQ5_0, "q5_0", quant::GgmlType::kQ5_0},
    {ElemType::kQ5_1, "q5_1", quant::GgmlType::kQ5_1},
    {ElemType::kQ8_0, "q8_0", quant::GgmlType::kQ8_0},
    {ElemType::kQ2_K, "q2_k", quant::GgmlType::kQ2_K},
    {ElemType::kQ3_K, "q3_k", quant::GgmlType::kQ3_K},
    {ElemType::kQ4_K, "q4_k", quant::GgmlType::kQ4_K},
    {ElemType::kQ5_K, "q5_k", quant::GgmlType::kQ5_K},
    {ElemType::kQ6_K, "q6_k", quant::GgmlType::kQ6_K},
};

const ElemInfo& InfoOf(ElemType t) {
  for (const ElemInfo& e : kElems) {
    if (e.type == t) return e;
  }
  __builtin_trap();
}

}  // namespace

absl::string_view ElemTypeName(ElemType t) {
  return InfoOf(t).name;
}

std::optional<ElemType> ElemTypeFromName(absl::string_view name) {
  for (const ElemInfo& e : kElems) {
    if (name == e.name) return e.type;
  }
  return std::nullopt;
}

bool IsQuantized(ElemType t) {
  return quant::IsQuantized(InfoOf(t).ggml);
}
bool IsFloat(ElemType t) {
  return t == ElemType::kF32 || t == ElemType::kF16 || t == ElemType::kBF16;
}

quant::GgmlType ToGgml(ElemType t) {
  return InfoOf(t).ggml;
}

std::optional<ElemType> FromGgml(quant::GgmlType t) {
  for (const ElemInfo& e : kElems) {
    if (e.ggml == t) return e.type;
  }
  return std::nullopt;
}

std::string Dim::ToString() const {
  return is_const() ? absl::StrCat(value) : symbol;
}

std::string Type::ToString() const {
  std::string s;
  for (const Dim& d : shape) absl::StrAppend(&s, d.ToString(), " x ");
  absl::StrAppend(&s, ElemTypeName(elem));
  return s;
}

Type MakeType(ElemType elem, std::initializer_list<DimSpec> dims) {
  Type t;
  t.elem = elem;
  for (const DimSpec& d : dims) t.shape.push_back(d.dim);
  return t;
}

}  // namespace rf::ir
