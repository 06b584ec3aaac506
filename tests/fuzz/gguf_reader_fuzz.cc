// libFuzzer target over the GGUF reader. Any input must parse or give an error: never crash, hang,
// read out of bounds or allocate without bound. On what parses, every getter runs on every key
// (with every expected type), every view the reader hands out (strings, array elements, tensor
// bytes) is read in full, and describe.cc formats the file, so a view that points outside the input
// is caught by AddressSanitizer here rather than by a user.
#include <cstddef>
#include <cstdint>
#include <span>

#include "frontends/gguf/describe.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/hparams.h"

namespace {

using rf::gguf::GgufFile;
using rf::gguf::KeyValue;
using rf::gguf::TensorInfo;
using rf::gguf::Value;
using rf::gguf::ValueType;

// Reads every byte of a view, so that ASan checks the whole range.
uint64_t Touch(std::span<const uint8_t> bytes) {
  uint64_t sum = 0;
  for (uint8_t b : bytes) sum += b;
  return sum;
}
uint64_t Touch(absl::string_view s) {
  return Touch({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

uint64_t ExerciseKey(const GgufFile& file, const KeyValue& kv) {
  uint64_t sum = Touch(kv.key);
  // The getters must give a value or an error for any stored type.
  sum += file.GetU32(kv.key).ok() + file.GetU64(kv.key).ok() + file.GetI64(kv.key).ok();
  sum += file.GetF32(kv.key).ok() + file.GetBool(kv.key).ok() + file.GetString(kv.key).ok();
  sum += file.GetU32Or(kv.key, 1).ok() + file.GetF32Or(kv.key, 1).ok();
  sum += file.GetBoolOr(kv.key, true).ok();
  for (uint32_t t = 0; t <= static_cast<uint32_t>(ValueType::kF64); ++t) {
    sum += file.GetArray(kv.key, static_cast<ValueType>(t)).ok();
  }
  sum += file.Find(kv.key) == &kv.value;
  const Value& v = kv.value;
  sum += Touch(v.str);
  if (v.type == ValueType::kArray) {
    if (v.elem_type == ValueType::kString) {
      for (absl::string_view s : v.strings) sum += Touch(s);
    } else {
      for (uint64_t k = 0; k < v.count; ++k) {
        sum += static_cast<uint64_t>(v.ArrayAsInt(k));
        sum += v.ArrayAsDouble(k) > 0;
      }
    }
  }
  sum += rf::gguf::FormatValue(v).size() + v.TypeString().size();
  return sum;
}

uint64_t ExerciseTensor(const GgufFile& file, const TensorInfo& t) {
  uint64_t sum = Touch(t.name) + Touch(t.bytes()) + t.ShapeString().size();
  sum += file.FindTensor(t.name) == &t;
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = GgufFile::Parse("fuzz.gguf", {data, size});
  if (!file.ok()) return 0;
  uint64_t sum = 0;
  for (const KeyValue& kv : (*file)->metadata()) sum += ExerciseKey(**file, kv);
  for (const TensorInfo& t : (*file)->tensors()) sum += ExerciseTensor(**file, t);
  sum += rf::gguf::ReadHParams(**file).ok();
  sum += rf::gguf::DescribeGguf(**file).size();
  // Keep the reads from being optimized away.
  volatile uint64_t sink = sum;
  (void)sink;
  return 0;
}
