// The plan's small helpers: opcode names, Kernel equality, tensor byte sizes.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "quant/types.h"
#include "runtime/plan/plan.h"
#include "support/format.h"

namespace rf::plan {
namespace {

// The IR's op names (ir/ops.cc), in Opcode order.
constexpr const char* kOpcodeNames[] = {
    "embedding",
    "rms_norm",
    "matmul",
    "add",
    "mul",
    "silu",
    "gelu",
    "rope",
    "kv_store",
    "attention",
    "softmax",
    "last_token",
    "argmax",
    "add_rms_norm",
    "matmul_add",
    "rms_norm_matmul",
    "matmul_silu_mul",
    "rms_norm_matmul_silu_mul",
    "rope_attention",
    "rms_norm_matmul_qkv",
};
static_assert(std::size(kOpcodeNames) == static_cast<size_t>(Opcode::kCount),
              "every Opcode needs a name, in enum order");

// Tensors larger than this are rejected: no arena is that large, and sums of a few such sizes
// cannot overflow 64 bits.
constexpr uint64_t kMaxTensorBytes = uint64_t{1} << 62;

}  // namespace

const Binding* FindBinding(const std::vector<Binding>& bindings, absl::string_view name) {
  for (const Binding& b : bindings) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

const char* OpcodeName(Opcode op) {
  const auto i = static_cast<size_t>(op);
  return i < std::size(kOpcodeNames) ? kOpcodeNames[i] : "unknown";
}

absl::StatusOr<uint64_t> TensorBytes(const TensorRef& ref, int64_t tokens) {
  const quant::TypeInfo* info = quant::FindType(ref.type);
  if (info == nullptr)
    return absl::InvalidArgumentError(absl::StrCat("unknown type id ", ref.type));
  if (ref.shape.empty() || ref.shape.size() > 4) {
    return absl::InvalidArgumentError(absl::StrCat("rank ", ref.shape.size(), " is outside 1..4"));
  }
  if (tokens < 1) {
    return absl::InvalidArgumentError(absl::StrCat("token count ", tokens, " is below 1"));
  }
  // Elements of all but the innermost dim, then the innermost dim in blocks.
  uint64_t bytes = 1;
  for (size_t i = 0; i < ref.shape.size(); ++i) {
    const int64_t d = ref.shape[i] == kDimT ? tokens : ref.shape[i];
    if (d <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("dim #", i, " is ", ref.shape[i], " (dims are > 0, or -1 for T)"));
    }
    uint64_t factor = static_cast<uint64_t>(d);
    if (i + 1 == ref.shape.size()) {
      if (factor % static_cast<uint64_t>(info->block_size) != 0) {
        return absl::InvalidArgumentError(absl::StrCat("innermost dim ", d,
                                                       " is not a multiple of ", info->name,
                                                       "'s block size ", info->block_size));
      }
      factor =
          factor / static_cast<uint64_t>(info->block_size) * static_cast<uint64_t>(info->type_size);
    }
    if (__builtin_mul_overflow(bytes, factor, &bytes) || bytes > kMaxTensorBytes) {
      return absl::InvalidArgumentError("size is over 2^62 bytes");
    }
  }
  return bytes;
}

absl::Status CheckArenaRange(const Plan& plan, uint64_t offset, uint64_t bytes) {
  const uint64_t total = plan.arena.total();
  if (offset > total || bytes > total - offset) {
    return absl::OutOfRangeError(absl::StrCat("arena bytes [", offset, ", ", offset + bytes,
                                              ") outside the arena of ", total, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace rf::plan
