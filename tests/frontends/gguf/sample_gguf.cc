#include "tests/frontends/gguf/sample_gguf.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "frontends/gguf/gguf_writer.h"
#include "support/status.h"

namespace rf::gguf::testing {

absl::Status WriteSampleGguf(const std::string& path, uint32_t alignment) {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  if (alignment != 0) w.SetU32("general.alignment", alignment);
  w.SetU8("t.u8", 200);
  w.SetI8("t.i8", -100);
  w.SetU16("t.u16", 60000);
  w.SetI16("t.i16", -30000);
  w.SetU32("t.u32", 4000000000u);
  w.SetI32("t.i32", -2000000000);
  w.SetU64("t.u64", std::numeric_limits<uint64_t>::max());
  w.SetI64("t.i64", std::numeric_limits<int64_t>::min());
  w.SetF32("t.f32", 1.5f);
  w.SetF64("t.f64", -2.25);
  w.SetBool("t.bool", true);
  w.SetString("t.string", "hello");
  const int64_t ints[] = {-1, 0, 1, 300};
  for (ValueType t :
       {ValueType::kU8, ValueType::kI8, ValueType::kU16, ValueType::kI16, ValueType::kU32,
        ValueType::kI32, ValueType::kU64, ValueType::kI64, ValueType::kBool}) {
    w.SetIntArray("t.array." + ValueTypeName(t), t, ints);
  }
  const double floats[] = {0.5, -1e30, 3.0};
  w.SetFloatArray("t.array.f32", ValueType::kF32, floats);
  w.SetFloatArray("t.array.f64", ValueType::kF64, floats);
  const std::string strings[] = {"a", "", "long\nstring"};
  w.SetStringArray("t.array.string", strings);
  w.SetIntArray("t.array.empty", ValueType::kU32, {});
  w.SetStringArray("t.array.empty_strings", {});

  // 64 f32 = 256 bytes, a multiple of any alignment up to 256, last: no padding after it.
  struct Tensor {
    const char* name;
    std::vector<int64_t> dims;
    quant::GgmlType type;
  };
  const Tensor tensors[] = {
      {"q8", {32, 2}, quant::GgmlType::kQ8_0},
      {"f16", {3, 5}, quant::GgmlType::kF16},
      {"empty", {0, 4}, quant::GgmlType::kF32},
      {"f32", {64}, quant::GgmlType::kF32},
  };
  uint8_t seed = 1;
  for (const Tensor& t : tensors) {
    const uint8_t first = seed++;
    RF_RETURN_IF_ERROR(w.AddTensor(t.name, t.dims, t.type, [first](std::span<uint8_t> out) {
      for (size_t k = 0; k < out.size(); ++k) out[k] = static_cast<uint8_t>(first + k * 7);
      return absl::OkStatus();
    }));
  }
  return w.WriteFile(path);
}

}  // namespace rf::gguf::testing
