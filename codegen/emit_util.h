// Helpers the kernel emitters share: the parameter list of an instruction's kernel, C type names,
// number formatting for constants, and the device helpers every kernel may use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codegen/target.h"
#include "quant/types.h"
#include "runtime/plan/plan.h"

namespace rf::codegen {

// "f32", "u16" or "u8": the element type a kernel sees for a tensor of ggml type `type`
// (quantized and f16 weights are read as bytes or halves).
const char* DeviceElemType(uint32_t type);

// The kernel's parameter list: operands named `operand_names` (const), results named
// `result_names`, then `const i32* RF_RESTRICT step, u8* RF_RESTRICT workspace`.
std::string KernelParams(const plan::Instruction& inst,
                         const std::vector<std::string>& operand_names,
                         const std::vector<std::string>& result_names);

// A float constant as C++ source that reads back to the same float ("1e-06f").
std::string FloatLiteral(float f);

// The header comment of a kernel: what it computes and how it is launched.
std::string KernelComment(const plan::Instruction& inst, absl::string_view what);

// Device helpers: wave_sum(v) and wave_max(v) over the wave (width from the target).
std::string WaveHelpers(const Target& target);

// "q8_0", "f16", ... for names (lower case, ggml's spelling).
std::string TypeTag(uint32_t type);

// Device dequantization of 32-element units (device_quant.inc).
absl::string_view DeviceQuantCode();

// Bytes of one row of `n` elements of `type`.
uint64_t RowBytes(uint32_t type, int64_t n);

// The symbol T in a shape, or a constant.
bool HasTokenDim(const plan::TensorRef& r);

}  // namespace rf::codegen
