#include "codegen/emit_util.h"

#include <charconv>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace rf::codegen {

const char* DeviceElemType(uint32_t type) {
  switch (static_cast<quant::GgmlType>(type)) {
    case quant::GgmlType::kF32:
      return "f32";
    case quant::GgmlType::kI32:
      return "i32";
    case quant::GgmlType::kF16:
    case quant::GgmlType::kBF16:
      return "u16";
    default:
      return "u8";
  }
}

std::string KernelParams(const plan::Instruction& inst,
                         const std::vector<std::string>& operand_names,
                         const std::vector<std::string>& result_names) {
  std::string s;
  for (size_t i = 0; i < inst.operands.size(); ++i) {
    absl::StrAppend(&s, "const ", DeviceElemType(inst.operands[i].type), "* RF_RESTRICT ",
                    operand_names.at(i), ", ");
  }
  for (size_t i = 0; i < inst.results.size(); ++i) {
    absl::StrAppend(&s, DeviceElemType(inst.results[i].type), "* ", result_names.at(i), ", ");
  }
  absl::StrAppend(&s, "const i32* RF_RESTRICT step, u8* RF_RESTRICT workspace");
  return s;
}

std::string FloatLiteral(float f) {
  if (std::isinf(f)) return f > 0 ? "(1.0f / 0.0f)" : "(-1.0f / 0.0f)";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  return std::string(buf, r.ptr) + "f";
}

std::string KernelComment(const plan::Instruction& inst, absl::string_view what) {
  // The op's IR text is not included: kernels of different layers share one source (and one
  // compile); the plan keeps which instruction launches which kernel.
  return absl::StrCat("// ", what, "\n");
}

std::string WaveHelpers(const Target& target) {
  return absl::StrCat(
      "constexpr i32 WAVE = ", target.wave_size, ";\n",
      "RF_DEVICE f32 wave_sum(f32 v) {\n"
      "  for (i32 o = WAVE / 2; o > 0; o >>= 1) v += rf_shfl_xor(v, o, WAVE);\n"
      "  return v;\n"
      "}\n"
      "RF_DEVICE f32 wave_max(f32 v) {\n"
      "  for (i32 o = WAVE / 2; o > 0; o >>= 1) v = rf_max(v, rf_shfl_xor(v, o, WAVE));\n"
      "  return v;\n"
      "}\n");
}

std::string TypeTag(uint32_t type) {
  return absl::AsciiStrToLower(quant::TypeName(static_cast<quant::GgmlType>(type)));
}

absl::string_view DeviceQuantCode() {
  static const char* kCode =
#include "codegen/device_quant.inc"
      ;
  return kCode;
}

uint64_t RowBytes(uint32_t type, int64_t n) {
  const quant::TypeInfo& info = quant::Info(static_cast<quant::GgmlType>(type));
  return static_cast<uint64_t>(n / info.block_size) * info.type_size;
}

bool HasTokenDim(const plan::TensorRef& r) {
  for (int64_t d : r.shape) {
    if (d == plan::kDimT) return true;
  }
  return false;
}

}  // namespace rf::codegen
