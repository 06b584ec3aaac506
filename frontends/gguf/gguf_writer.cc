#include "frontends/gguf/gguf_writer.h"

#include <bit>
#include <cstring>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "support/atomic_file.h"
#include "support/format.h"
#include "support/status.h"

namespace rf::gguf {
namespace {

template <typename T>
void Append(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

void AppendString(std::string& out, absl::string_view s) {
  Append<uint64_t>(out, s.size());
  out.append(s.data(), s.size());
}

template <typename T>
std::string EncodeScalar(ValueType type, T v) {
  std::string out;
  Append<uint32_t>(out, static_cast<uint32_t>(type));
  Append<T>(out, v);
  return out;
}

// Appends one numeric element of `type` converted from an integer or a double.
void AppendNumber(std::string& out, ValueType type, int64_t i, double f, bool is_float) {
  switch (type) {
    case ValueType::kU8:
      Append<uint8_t>(out, static_cast<uint8_t>(is_float ? f : i));
      break;
    case ValueType::kI8:
      Append<int8_t>(out, static_cast<int8_t>(is_float ? f : i));
      break;
    case ValueType::kU16:
      Append<uint16_t>(out, static_cast<uint16_t>(is_float ? f : i));
      break;
    case ValueType::kI16:
      Append<int16_t>(out, static_cast<int16_t>(is_float ? f : i));
      break;
    case ValueType::kU32:
      Append<uint32_t>(out, static_cast<uint32_t>(is_float ? f : i));
      break;
    case ValueType::kI32:
      Append<int32_t>(out, static_cast<int32_t>(is_float ? f : i));
      break;
    case ValueType::kU64:
      Append<uint64_t>(out, static_cast<uint64_t>(is_float ? f : i));
      break;
    case ValueType::kI64:
      Append<int64_t>(out, static_cast<int64_t>(is_float ? f : i));
      break;
    case ValueType::kF32:
      Append<float>(out, static_cast<float>(is_float ? f : i));
      break;
    case ValueType::kF64:
      Append<double>(out, is_float ? f : static_cast<double>(i));
      break;
    case ValueType::kBool:
      Append<uint8_t>(out, (is_float ? f != 0 : i != 0) ? 1 : 0);
      break;
    case ValueType::kString:
    case ValueType::kArray:
      break;
  }
}

std::string ArrayHeader(ValueType elem_type, uint64_t count) {
  std::string out;
  Append<uint32_t>(out, static_cast<uint32_t>(ValueType::kArray));
  Append<uint32_t>(out, static_cast<uint32_t>(elem_type));
  Append<uint64_t>(out, count);
  return out;
}

}  // namespace

void GgufWriter::Put(absl::string_view key, std::string encoded) {
  for (Entry& e : metadata_) {
    if (e.key == key) {
      e.encoded = std::move(encoded);
      return;
    }
  }
  metadata_.push_back({std::string(key), std::move(encoded)});
}

void GgufWriter::SetU8(absl::string_view k, uint8_t v) {
  Put(k, EncodeScalar(ValueType::kU8, v));
}
void GgufWriter::SetI8(absl::string_view k, int8_t v) {
  Put(k, EncodeScalar(ValueType::kI8, v));
}
void GgufWriter::SetU16(absl::string_view k, uint16_t v) {
  Put(k, EncodeScalar(ValueType::kU16, v));
}
void GgufWriter::SetI16(absl::string_view k, int16_t v) {
  Put(k, EncodeScalar(ValueType::kI16, v));
}
void GgufWriter::SetU32(absl::string_view k, uint32_t v) {
  Put(k, EncodeScalar(ValueType::kU32, v));
}
void GgufWriter::SetI32(absl::string_view k, int32_t v) {
  Put(k, EncodeScalar(ValueType::kI32, v));
}
void GgufWriter::SetU64(absl::string_view k, uint64_t v) {
  Put(k, EncodeScalar(ValueType::kU64, v));
}
void GgufWriter::SetI64(absl::string_view k, int64_t v) {
  Put(k, EncodeScalar(ValueType::kI64, v));
}
void GgufWriter::SetF32(absl::string_view k, float v) {
  Put(k, EncodeScalar(ValueType::kF32, v));
}
void GgufWriter::SetF64(absl::string_view k, double v) {
  Put(k, EncodeScalar(ValueType::kF64, v));
}
void GgufWriter::SetBool(absl::string_view k, bool v) {
  Put(k, EncodeScalar<uint8_t>(ValueType::kBool, v ? 1 : 0));
}

void GgufWriter::SetString(absl::string_view key, absl::string_view v) {
  std::string out;
  Append<uint32_t>(out, static_cast<uint32_t>(ValueType::kString));
  AppendString(out, v);
  Put(key, std::move(out));
}

// A numeric array of strings or arrays would write a count with no elements behind it: a corrupt
// file. The misuse is remembered and reported by WriteFile (setters return nothing).
void GgufWriter::CheckNumeric(absl::string_view key, ValueType elem_type) {
  if (ScalarSize(elem_type) == 0 && invalid_.ok()) {
    invalid_ = absl::InvalidArgumentError(absl::StrCat(
        "metadata '", key, "': array of ", ValueTypeName(elem_type), " is not a numeric array"));
  }
}

void GgufWriter::SetIntArray(absl::string_view key, ValueType elem_type,
                             std::span<const int64_t> values) {
  CheckNumeric(key, elem_type);
  std::string out = ArrayHeader(elem_type, values.size());
  for (int64_t v : values) AppendNumber(out, elem_type, v, 0, false);
  Put(key, std::move(out));
}

void GgufWriter::SetFloatArray(absl::string_view key, ValueType elem_type,
                               std::span<const double> values) {
  CheckNumeric(key, elem_type);
  std::string out = ArrayHeader(elem_type, values.size());
  for (double v : values) AppendNumber(out, elem_type, 0, v, true);
  Put(key, std::move(out));
}

void GgufWriter::SetStringArray(absl::string_view key, std::span<const std::string> values) {
  std::string out = ArrayHeader(ValueType::kString, values.size());
  for (const std::string& s : values) AppendString(out, s);
  Put(key, std::move(out));
}

void GgufWriter::SetValue(absl::string_view key, const Value& value) {
  std::string out;
  if (value.type == ValueType::kArray) {
    out = ArrayHeader(value.elem_type, value.count);
    if (value.elem_type == ValueType::kString) {
      for (absl::string_view s : value.strings) AppendString(out, s);
    } else {
      out.append(reinterpret_cast<const char*>(value.array_data),
                 value.count * ScalarSize(value.elem_type));
    }
  } else if (value.type == ValueType::kString) {
    Append<uint32_t>(out, static_cast<uint32_t>(ValueType::kString));
    AppendString(out, value.str);
  } else {
    Append<uint32_t>(out, static_cast<uint32_t>(value.type));
    if (value.type == ValueType::kBool) {
      Append<uint8_t>(out, value.b ? 1 : 0);
    } else {
      AppendNumber(out, value.type, value.i, value.f, value.is_float());
      if (value.type == ValueType::kU64) {  // keep all 64 bits
        out.resize(4);
        Append<uint64_t>(out, value.u);
      }
    }
  }
  Put(key, std::move(out));
}

bool GgufWriter::Has(absl::string_view key) const {
  for (const Entry& e : metadata_) {
    if (e.key == key) return true;
  }
  return false;
}

void GgufWriter::Remove(absl::string_view key) {
  for (auto it = metadata_.begin(); it != metadata_.end(); ++it) {
    if (it->key == key) {
      metadata_.erase(it);
      return;
    }
  }
}

// general.alignment's value when it is stored as a u32 (type id + 4 bytes).
std::optional<uint32_t> GgufWriter::AlignmentValue() const {
  for (const Entry& e : metadata_) {
    if (e.key != "general.alignment") continue;
    uint32_t type, value;
    if (e.encoded.size() != 8) return std::nullopt;
    std::memcpy(&type, e.encoded.data(), 4);
    std::memcpy(&value, e.encoded.data() + 4, 4);
    if (type != static_cast<uint32_t>(ValueType::kU32)) return std::nullopt;
    return value;
  }
  return kDefaultAlignment;
}

uint32_t GgufWriter::alignment() const {
  return AlignmentValue().value_or(kDefaultAlignment);
}

absl::Status GgufWriter::AddTensor(absl::string_view name, std::vector<int64_t> dims,
                                   quant::GgmlType type, Fill fill) {
  // llama.cpp rejects names of GGML_MAX_NAME (64) bytes or more.
  if (name.size() >= 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "': name of ", name.size(), " bytes (at most 63)"));
  }
  if (dims.empty() || dims.size() > static_cast<size_t>(kMaxDims)) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "': ", dims.size(), " dims (expected 1 to ", kMaxDims, ")"));
  }
  for (const Tensor& t : tensors_) {
    if (t.name == name)
      return absl::InvalidArgumentError(absl::StrCat("duplicate tensor '", name, "'"));
  }
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || __builtin_mul_overflow(n, d, &n)) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': bad dims"));
    }
  }
  if (dims[0] % quant::Info(type).block_size != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "': row length ", dims[0], " is not a multiple of the ",
                     quant::TypeName(type), " block size ", quant::Info(type).block_size));
  }
  RF_ASSIGN_OR_RETURN(uint64_t bytes, quant::RowBytes(type, n));
  tensors_.push_back({std::string(name), std::move(dims), type, bytes, 0, std::move(fill)});
  return absl::OkStatus();
}

absl::Status GgufWriter::AddTensor(absl::string_view name, std::vector<int64_t> dims,
                                   quant::GgmlType type, std::span<const uint8_t> data) {
  auto copy = std::make_shared<std::vector<uint8_t>>(data.begin(), data.end());
  const size_t given = copy->size();
  const std::string tensor_name(name);
  RF_RETURN_IF_ERROR(AddTensor(name, std::move(dims), type, [copy](std::span<uint8_t> out) {
    // An empty tensor's buffers may be null, and memcpy from null is undefined even for 0 bytes.
    if (!out.empty()) std::memcpy(out.data(), copy->data(), out.size());
    return absl::OkStatus();
  }));
  if (tensors_.back().n_bytes != given) {
    uint64_t expected = tensors_.back().n_bytes;
    tensors_.pop_back();
    return absl::InvalidArgumentError(absl::StrCat("tensor '", tensor_name, "': ", given,
                                                   " data bytes given, ", expected, " expected"));
  }
  return absl::OkStatus();
}

absl::Status GgufWriter::WriteFile(const std::string& path) {
  RF_RETURN_IF_ERROR(WithContext(invalid_, path));
  // general.alignment must be what the reader accepts: a u32 power of two up to 1 MiB (a zero would
  // also divide by zero below).
  const std::optional<uint32_t> declared = AlignmentValue();
  if (!declared || !std::has_single_bit(*declared) || *declared > (1u << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": metadata 'general.alignment' must be a u32 power of two between 1 ",
                     "and 1,048,576"));
  }
  const uint64_t align = *declared;
  std::string head;
  Append<uint32_t>(head, kMagic);
  Append<uint32_t>(head, 3);
  Append<uint64_t>(head, tensors_.size());
  Append<uint64_t>(head, metadata_.size());
  for (const Entry& e : metadata_) {
    AppendString(head, e.key);
    head += e.encoded;
  }
  uint64_t offset = 0;
  for (Tensor& t : tensors_) {
    t.offset = offset;
    AppendString(head, t.name);
    Append<uint32_t>(head, static_cast<uint32_t>(t.dims.size()));
    for (int64_t d : t.dims) Append<uint64_t>(head, static_cast<uint64_t>(d));
    Append<uint32_t>(head, static_cast<uint32_t>(t.type));
    Append<uint64_t>(head, t.offset);
    offset += (t.n_bytes + align - 1) / align * align;
  }
  RF_ASSIGN_OR_RETURN(AtomicFileWriter out, AtomicFileWriter::Create(path));
  RF_RETURN_IF_ERROR(out.Write(head));
  RF_RETURN_IF_ERROR(out.WriteZeros((align - head.size() % align) % align));
  std::vector<uint8_t> buffer;
  for (Tensor& t : tensors_) {
    if (!t.fill) {
      RF_RETURN_IF_ERROR(out.WriteZeros((t.n_bytes + align - 1) / align * align));
      continue;
    }
    buffer.assign(t.n_bytes, 0);
    RF_RETURN_IF_ERROR(WithContext(t.fill(buffer), absl::StrCat(path, ": tensor '", t.name, "'")));
    RF_RETURN_IF_ERROR(out.Write(buffer));
    RF_RETURN_IF_ERROR(out.WriteZeros((align - t.n_bytes % align) % align));
  }
  return out.Commit();
}

}  // namespace rf::gguf
