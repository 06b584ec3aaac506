#include "runtime/divergence.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "quant/types.h"
#include "support/half.h"
#include "support/status.h"

namespace rf {
namespace {

// The values of result `r` (T tokens) read from `backend`'s arena, as doubles.
absl::StatusOr<std::vector<double>> ReadValues(Backend& backend, const plan::TensorRef& r,
                                               int64_t T) {
  RF_ASSIGN_OR_RETURN(uint64_t bytes, plan::TensorBytes(r, T));
  std::vector<uint8_t> raw(bytes);
  RF_RETURN_IF_ERROR(backend.ReadArena(r.offset, raw));
  std::vector<double> v;
  switch (static_cast<quant::GgmlType>(r.type)) {
    case quant::GgmlType::kF32:
    case quant::GgmlType::kI32:
      v.resize(bytes / 4);
      for (size_t i = 0; i < v.size(); ++i) {
        uint32_t bits;
        std::memcpy(&bits, raw.data() + 4 * i, 4);
        v[i] = r.type == static_cast<uint32_t>(quant::GgmlType::kF32)
                   ? std::bit_cast<float>(bits)
                   : static_cast<double>(static_cast<int32_t>(bits));
      }
      return v;
    case quant::GgmlType::kF16:
      v.resize(bytes / 2);
      for (size_t i = 0; i < v.size(); ++i) {
        uint16_t bits;
        std::memcpy(&bits, raw.data() + 2 * i, 2);
        v[i] = F16ToF32(bits);
      }
      return v;
    default:
      return absl::UnimplementedError(absl::StrCat(
          "comparing results of type ", quant::TypeName(static_cast<quant::GgmlType>(r.type))));
  }
}

std::string ShapeText(const plan::TensorRef& r) {
  std::vector<std::string> dims;
  for (int64_t d : r.shape) dims.push_back(d == plan::kDimT ? "T" : absl::StrCat(d));
  return absl::StrJoin(dims, " x ");
}

bool SameForm(const plan::Instruction& a, const plan::Instruction& b) {
  if (a.op != b.op || a.results.size() != b.results.size()) return false;
  for (size_t i = 0; i < a.results.size(); ++i) {
    if (a.results[i].shape != b.results[i].shape || a.results[i].type != b.results[i].type) {
      return false;
    }
  }
  return true;
}

// Copies the operands of `from_inst` that are not weights from `from`'s arena into `to`'s.
absl::Status CopyOperands(Backend& from, const plan::Instruction& from_inst,
                          const plan::Plan& from_plan, Backend& to,
                          const plan::Instruction& to_inst, int64_t T) {
  if (from_inst.operands.size() != to_inst.operands.size()) {
    return absl::InvalidArgumentError("the instructions' operand counts differ");
  }
  for (size_t o = 0; o < from_inst.operands.size(); ++o) {
    const plan::TensorRef& a = from_inst.operands[o];
    if (a.offset < from_plan.arena.weights) continue;
    const plan::TensorRef& b = to_inst.operands[o];
    RF_ASSIGN_OR_RETURN(uint64_t bytes, plan::TensorBytes(a, T));
    RF_ASSIGN_OR_RETURN(uint64_t to_bytes, plan::TensorBytes(b, T));
    if (bytes != to_bytes || a.type != b.type) {
      return absl::InvalidArgumentError(absl::StrCat("operand ", o, "'s types or sizes differ"));
    }
    std::vector<uint8_t> raw(bytes);
    RF_RETURN_IF_ERROR(from.ReadArena(a.offset, raw));
    RF_RETURN_IF_ERROR(to.WriteArena(b.offset, raw));
  }
  return absl::OkStatus();
}

}  // namespace

std::string Divergence::ToString() const {
  if (!found) return "no instruction differs";
  return absl::StrFormat(
      "%s instruction %d (%s, %s): result %d: %d of %d elements differ; max |diff| %.4g (max "
      "|ref| %.4g) at element %d: %.8g vs %.8g",
      program, instruction, opcode, label, result, mismatched, elements, max_abs, ref_max,
      worst_index, test_value, ref_value);
}

absl::StatusOr<Divergence> FindDivergence(Backend& test, const plan::Plan& test_plan, Backend& ref,
                                          const plan::Plan& ref_plan,
                                          std::span<const int32_t> tokens, int64_t first_position,
                                          const DivergenceOptions& options) {
  const int64_t T = static_cast<int64_t>(tokens.size());
  const plan::Program& tp = T == 1 ? test_plan.decode : test_plan.prefill;
  const plan::Program& rp = T == 1 ? ref_plan.decode : ref_plan.prefill;
  if (tp.instructions.size() != rp.instructions.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the plans' '", tp.name, "' programs differ: ", tp.instructions.size(), " vs ",
                     rp.instructions.size(), " instructions"));
  }
  Divergence d;
  d.program = tp.name;
  const size_t n = tp.instructions.size();
  for (size_t i = 0; i < n && !d.found; ++i) {
    const plan::Instruction& ti = tp.instructions[i];
    const plan::Instruction& ri = rp.instructions[i];
    if (!SameForm(ti, ri)) {
      return absl::InvalidArgumentError(absl::StrCat("the plans' '", tp.name,
                                                     "' programs differ at instruction ", i, " (",
                                                     plan::OpcodeName(ti.op), " ", ti.label, " vs ",
                                                     plan::OpcodeName(ri.op), " ", ri.label, ")"));
    }
    if (options.same_inputs) RF_RETURN_IF_ERROR(CopyOperands(ref, ri, ref_plan, test, ti, T));
    RF_RETURN_IF_ERROR(WithContext(test.RunInstructions(tokens, first_position, i, i + 1),
                                   absl::StrCat(test.name(), ": instruction ", i)));
    RF_RETURN_IF_ERROR(WithContext(ref.RunInstructions(tokens, first_position, i, i + 1),
                                   absl::StrCat(ref.name(), ": instruction ", i)));
    for (size_t r = 0; r < ti.results.size(); ++r) {
      RF_ASSIGN_OR_RETURN(std::vector<double> a, ReadValues(test, ti.results[r], T));
      RF_ASSIGN_OR_RETURN(std::vector<double> b, ReadValues(ref, ri.results[r], T));
      double max_abs = 0, ref_max = 0;
      int64_t worst = 0, bad = 0;
      for (size_t e = 0; e < b.size(); ++e) ref_max = std::max(ref_max, std::fabs(b[e]));
      const double limit = options.tolerance * std::max(1.0, ref_max);
      for (size_t e = 0; e < a.size(); ++e) {
        const bool nan_mismatch = std::isnan(a[e]) != std::isnan(b[e]);
        const double diff = nan_mismatch ? INFINITY : std::fabs(a[e] - b[e]);
        if (nan_mismatch || diff > limit) ++bad;
        if (diff > max_abs) max_abs = diff, worst = static_cast<int64_t>(e);
      }
      if (bad == 0) continue;
      d.found = true;
      d.instruction = i;
      d.opcode = plan::OpcodeName(ti.op);
      d.label = absl::StrCat(ti.label, " [", ShapeText(ti.results[r]), "]");
      d.result = r;
      d.elements = static_cast<int64_t>(a.size());
      d.worst_index = worst;
      d.test_value = a[worst];
      d.ref_value = b[worst];
      d.max_abs = max_abs;
      d.ref_max = ref_max;
      d.mismatched = bad;
      // Finish the step on both, so that they stay in step with each other.
      RF_RETURN_IF_ERROR(test.RunInstructions(tokens, first_position, i + 1, n));
      RF_RETURN_IF_ERROR(ref.RunInstructions(tokens, first_position, i + 1, n));
      break;
    }
  }
  return d;
}

}  // namespace rf
