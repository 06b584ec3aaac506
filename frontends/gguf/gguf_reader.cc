// The GGUF parser. A Cursor reads little-endian fields with a bounds check each, so that every
// error can say which byte and which field went wrong. Counts from the file are checked against
// the bytes left before anything is reserved, so a header claiming 2^60 tensors fails at once
// instead of allocating; reservations are also capped, because even a count the file could hold
// (a 4 GiB model claiming 300 million keys) would reserve tens of gigabytes of structs up front.
// Containers then grow only with entries actually read, each of which consumes file bytes.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "frontends/gguf/gguf.h"
#include "support/format.h"
#include "support/status.h"

namespace rf::gguf {
namespace {

class Cursor {
 public:
  Cursor(const std::string& file, std::span<const uint8_t> bytes) : file_(file), bytes_(bytes) {}

  uint64_t offset() const { return pos_; }
  uint64_t remaining() const { return bytes_.size() - pos_; }
  const uint8_t* here() const { return bytes_.data() + pos_; }

  absl::Status ErrorAt(uint64_t offset, absl::string_view field, absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ": byte ", WithCommas(offset), ": ", field, ": ", message));
  }

  absl::Status Need(uint64_t n, absl::string_view field) const {
    if (n > remaining()) {
      return ErrorAt(pos_, field,
                     absl::StrCat("needs ", WithCommas(n), " bytes but the file ends after ",
                                  WithCommas(remaining()), " (file size ",
                                  WithCommas(bytes_.size()), "; truncated?)"));
    }
    return absl::OkStatus();
  }

  template <typename T>
  absl::StatusOr<T> Read(absl::string_view field) {
    RF_RETURN_IF_ERROR(Need(sizeof(T), field));
    T v;
    std::memcpy(&v, here(), sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // Whether a string (u64 length + bytes) starts here and fits in the file.
  bool HasString() const {
    uint64_t len;
    if (remaining() < sizeof(len)) return false;
    std::memcpy(&len, here(), sizeof(len));
    return len <= remaining() - sizeof(len);
  }

  absl::StatusOr<absl::string_view> ReadString(absl::string_view field) {
    uint64_t start = pos_;
    RF_ASSIGN_OR_RETURN(uint64_t len, Read<uint64_t>(field));
    if (len > remaining()) {
      return ErrorAt(
          start, field,
          absl::StrCat("string length ", WithCommas(len), " runs past the end of the file (",
                       WithCommas(remaining()), " bytes left)"));
    }
    absl::string_view s(reinterpret_cast<const char*>(here()), len);
    pos_ += len;
    return s;
  }

  void Skip(uint64_t n) { pos_ += n; }

 private:
  const std::string& file_;
  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
};

// Reservations from counts in the file are capped at this many elements; see the top comment.
constexpr uint64_t kMaxReserve = 4096;

// A key or tensor name as shown in errors: bytes outside printable ASCII are escaped and long
// names are cut, so that a hostile name cannot flood or garble the message.
std::string Printable(absl::string_view s) {
  constexpr size_t kMaxShown = 96;
  std::string out;
  for (size_t k = 0; k < s.size() && k < kMaxShown; ++k) {
    const unsigned char ch = static_cast<unsigned char>(s[k]);
    if (ch < 0x20 || ch >= 0x7f || ch == '\\' || ch == '\'') {
      absl::StrAppendFormat(&out, "\\x%02x", ch);
    } else {
      out.push_back(static_cast<char>(ch));
    }
  }
  if (s.size() > kMaxShown) absl::StrAppend(&out, "... (", WithCommas(s.size()), " bytes)");
  return out;
}

std::string KeyField(absl::string_view key) {
  return absl::StrCat("metadata '", Printable(key), "'");
}
std::string TensorField(absl::string_view name) {
  return absl::StrCat("tensor '", Printable(name), "'");
}

// Where a parsed tensor info's offset field is: after the name, n_dims, dims and type.
uint64_t OffsetFieldAt(const TensorInfo& t) {
  return t.info_offset + 8 + t.name.size() + 4 + 8 * t.dims.size() + 4;
}

bool IsKnownValueType(uint32_t t) {
  return t <= static_cast<uint32_t>(ValueType::kF64);
}

// Reads one scalar of `type` into `v`.
absl::Status ReadScalar(Cursor& c, ValueType type, absl::string_view field, Value& v) {
  v.type = type;
  switch (type) {
    case ValueType::kU8: {
      RF_ASSIGN_OR_RETURN(uint8_t x, c.Read<uint8_t>(field));
      v.u = x, v.i = x;
      break;
    }
    case ValueType::kI8: {
      RF_ASSIGN_OR_RETURN(int8_t x, c.Read<int8_t>(field));
      v.i = x, v.u = static_cast<uint64_t>(x);
      break;
    }
    case ValueType::kU16: {
      RF_ASSIGN_OR_RETURN(uint16_t x, c.Read<uint16_t>(field));
      v.u = x, v.i = x;
      break;
    }
    case ValueType::kI16: {
      RF_ASSIGN_OR_RETURN(int16_t x, c.Read<int16_t>(field));
      v.i = x, v.u = static_cast<uint64_t>(x);
      break;
    }
    case ValueType::kU32: {
      RF_ASSIGN_OR_RETURN(uint32_t x, c.Read<uint32_t>(field));
      v.u = x, v.i = x;
      break;
    }
    case ValueType::kI32: {
      RF_ASSIGN_OR_RETURN(int32_t x, c.Read<int32_t>(field));
      v.i = x, v.u = static_cast<uint64_t>(x);
      break;
    }
    case ValueType::kU64: {
      RF_ASSIGN_OR_RETURN(uint64_t x, c.Read<uint64_t>(field));
      v.u = x, v.i = static_cast<int64_t>(x);
      break;
    }
    case ValueType::kI64: {
      RF_ASSIGN_OR_RETURN(int64_t x, c.Read<int64_t>(field));
      v.i = x, v.u = static_cast<uint64_t>(x);
      break;
    }
    case ValueType::kF32: {
      RF_ASSIGN_OR_RETURN(float x, c.Read<float>(field));
      v.f = x;
      break;
    }
    case ValueType::kF64: {
      RF_ASSIGN_OR_RETURN(double x, c.Read<double>(field));
      v.f = x;
      break;
    }
    case ValueType::kBool: {
      RF_ASSIGN_OR_RETURN(uint8_t x, c.Read<uint8_t>(field));
      v.b = x != 0;
      v.u = x, v.i = x;
      break;
    }
    case ValueType::kString: {
      RF_ASSIGN_OR_RETURN(v.str, c.ReadString(field));
      break;
    }
    case ValueType::kArray:
      return c.ErrorAt(c.offset(), field, "internal: array read as scalar");
  }
  return absl::OkStatus();
}

absl::Status ReadValue(Cursor& c, absl::string_view field, Value& v) {
  uint64_t type_offset = c.offset();
  RF_ASSIGN_OR_RETURN(uint32_t type_id, c.Read<uint32_t>(field));
  if (!IsKnownValueType(type_id)) {
    return c.ErrorAt(type_offset, field, absl::StrCat("unknown value type ", type_id));
  }
  ValueType type = static_cast<ValueType>(type_id);
  if (type != ValueType::kArray) return ReadScalar(c, type, field, v);

  v.type = ValueType::kArray;
  uint64_t elem_offset = c.offset();
  RF_ASSIGN_OR_RETURN(uint32_t elem_id, c.Read<uint32_t>(field));
  if (!IsKnownValueType(elem_id)) {
    return c.ErrorAt(elem_offset, field, absl::StrCat("unknown array element type ", elem_id));
  }
  v.elem_type = static_cast<ValueType>(elem_id);
  if (v.elem_type == ValueType::kArray) {
    return c.ErrorAt(elem_offset, field, "arrays of arrays are not supported");
  }
  uint64_t count_offset = c.offset();
  RF_ASSIGN_OR_RETURN(v.count, c.Read<uint64_t>(field));
  if (v.elem_type == ValueType::kString) {
    // Each string takes at least its 8-byte length: bound the count before reserving.
    if (v.count > c.remaining() / 8) {
      return c.ErrorAt(count_offset, field,
                       absl::StrCat("array of ", WithCommas(v.count), " strings cannot fit in the ",
                                    WithCommas(c.remaining()), " bytes left"));
    }
    v.strings.reserve(std::min(v.count, kMaxReserve));
    for (uint64_t k = 0; k < v.count; ++k) {
      // The element's index goes into the error only when there is one (tokenizer arrays hold
      // 150k strings: no message is built per element).
      if (!c.HasString()) return c.ReadString(absl::StrCat(field, " element #", k)).status();
      RF_ASSIGN_OR_RETURN(absl::string_view s, c.ReadString(field));
      v.strings.push_back(s);
    }
    return absl::OkStatus();
  }
  const uint64_t elem_size = static_cast<uint64_t>(ScalarSize(v.elem_type));
  if (v.count > c.remaining() / elem_size) {
    return c.ErrorAt(count_offset, field,
                     absl::StrCat("array of ", WithCommas(v.count), " ", ValueTypeName(v.elem_type),
                                  " runs past the end of the file (", WithCommas(c.remaining()),
                                  " bytes left)"));
  }
  v.array_data = c.here();
  c.Skip(v.count * elem_size);
  return absl::OkStatus();
}

}  // namespace

std::string ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kU8:
      return "u8";
    case ValueType::kI8:
      return "i8";
    case ValueType::kU16:
      return "u16";
    case ValueType::kI16:
      return "i16";
    case ValueType::kU32:
      return "u32";
    case ValueType::kI32:
      return "i32";
    case ValueType::kF32:
      return "f32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kU64:
      return "u64";
    case ValueType::kI64:
      return "i64";
    case ValueType::kF64:
      return "f64";
  }
  return absl::StrCat("type#", static_cast<uint32_t>(type));
}

int ScalarSize(ValueType type) {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kU16:
    case ValueType::kI16:
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kU64:
    case ValueType::kI64:
      return true;
    default:
      return false;
  }
}

double Value::ArrayAsDouble(uint64_t index) const {
  const uint8_t* p = array_data + index * ScalarSize(elem_type);
  switch (elem_type) {
    case ValueType::kF32: {
      float x;
      std::memcpy(&x, p, 4);
      return x;
    }
    case ValueType::kF64: {
      double x;
      std::memcpy(&x, p, 8);
      return x;
    }
    default:
      return static_cast<double>(ArrayAsInt(index));
  }
}

int64_t Value::ArrayAsInt(uint64_t index) const {
  const uint8_t* p = array_data + index * ScalarSize(elem_type);
  switch (elem_type) {
    case ValueType::kU8:
    case ValueType::kBool:
      return *p;
    case ValueType::kI8:
      return static_cast<int8_t>(*p);
    case ValueType::kU16: {
      uint16_t x;
      std::memcpy(&x, p, 2);
      return x;
    }
    case ValueType::kI16: {
      int16_t x;
      std::memcpy(&x, p, 2);
      return x;
    }
    case ValueType::kU32: {
      uint32_t x;
      std::memcpy(&x, p, 4);
      return x;
    }
    case ValueType::kI32: {
      int32_t x;
      std::memcpy(&x, p, 4);
      return x;
    }
    case ValueType::kU64:
    case ValueType::kI64: {
      int64_t x;
      std::memcpy(&x, p, 8);
      return x;
    }
    case ValueType::kF32:
    case ValueType::kF64: {
      // Converting a NaN or out-of-range double to an integer is undefined: saturate instead.
      const double x = ArrayAsDouble(index);
      if (std::isnan(x)) return 0;
      if (x <= -0x1p63) return std::numeric_limits<int64_t>::min();
      if (x >= 0x1p63) return std::numeric_limits<int64_t>::max();
      return static_cast<int64_t>(x);
    }
    default:
      return 0;
  }
}

std::string Value::TypeString() const {
  if (type != ValueType::kArray) return ValueTypeName(type);
  return absl::StrCat("array[", ValueTypeName(elem_type), "; ", count, "]");
}

std::string TensorInfo::ShapeString() const {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k) absl::StrAppend(&s, k ? ", " : "", dims[k]);
  return s + "]";
}

absl::StatusOr<std::unique_ptr<GgufFile>> GgufFile::Open(const std::string& path) {
  RF_ASSIGN_OR_RETURN(MappedFile mapping, MappedFile::Open(path));
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->name_ = path;
  file->mapping_ = std::move(mapping);
  file->bytes_ = file->mapping_.bytes();
  RF_RETURN_IF_ERROR(file->ParseAll());
  return file;
}

absl::StatusOr<std::unique_ptr<GgufFile>> GgufFile::Parse(std::string name,
                                                          std::span<const uint8_t> bytes) {
  std::unique_ptr<GgufFile> file(new GgufFile());
  file->name_ = std::move(name);
  file->bytes_ = bytes;
  RF_RETURN_IF_ERROR(file->ParseAll());
  return file;
}

absl::Status GgufFile::ParseAll() {
  Cursor c(name_, bytes_);
  RF_ASSIGN_OR_RETURN(uint32_t magic, c.Read<uint32_t>("magic"));
  if (magic != kMagic) {
    return c.ErrorAt(0, "magic",
                     absl::StrFormat("expected \"GGUF\" (0x%08x), found 0x%08x: not a GGUF file",
                                     kMagic, magic));
  }
  RF_ASSIGN_OR_RETURN(version_, c.Read<uint32_t>("version"));
  if (version_ != 2 && version_ != 3) {
    std::string why = absl::StrCat("version ", version_, " is not supported (expected 2 or 3)");
    if (version_ == 1)
      why = "GGUF version 1 is not supported (expected 2 or 3; re-convert the model)";
    if ((version_ & 0xffff) == 0 && version_ != 0) {
      why = absl::StrCat("version field reads 0x", absl::Hex(version_),
                         ": a big-endian GGUF file, which is not supported");
    }
    return c.ErrorAt(4, "version", why);
  }
  uint64_t count_offset = c.offset();
  RF_ASSIGN_OR_RETURN(uint64_t n_tensors, c.Read<uint64_t>("tensor_count"));
  RF_ASSIGN_OR_RETURN(uint64_t n_kv, c.Read<uint64_t>("metadata_kv_count"));
  // The smallest key-value takes 13 bytes (8 length + 4 type + 1 value), the smallest tensor info
  // 24 (8 name length + 4 n_dims + 4 type + 8 offset): reject counts the file cannot hold.
  if (n_kv > c.remaining() / 13) {
    return c.ErrorAt(count_offset + 8, "metadata_kv_count",
                     absl::StrCat(WithCommas(n_kv), " key-value pairs cannot fit in the ",
                                  WithCommas(c.remaining()), " bytes left"));
  }
  if (n_tensors > c.remaining() / 24) {
    return c.ErrorAt(count_offset, "tensor_count",
                     absl::StrCat(WithCommas(n_tensors), " tensor infos cannot fit in the ",
                                  WithCommas(c.remaining()), " bytes left"));
  }

  metadata_.reserve(std::min(n_kv, kMaxReserve));
  for (uint64_t k = 0; k < n_kv; ++k) {
    KeyValue kv;
    kv.file_offset = c.offset();
    std::string field = absl::StrCat("metadata key #", k);
    RF_ASSIGN_OR_RETURN(kv.key, c.ReadString(field));
    field = KeyField(kv.key);
    RF_RETURN_IF_ERROR(ReadValue(c, field, kv.value));
    if (auto [it, added] = key_index_.emplace(kv.key, metadata_.size()); !added) {
      return c.ErrorAt(kv.file_offset, field,
                       absl::StrCat("duplicate key (first at byte ",
                                    WithCommas(metadata_[it->second].file_offset), ")"));
    }
    metadata_.push_back(std::move(kv));
  }

  if (const Value* align = Find("general.alignment")) {
    uint64_t at = metadata_[key_index_.at("general.alignment")].file_offset;
    if (align->type != ValueType::kU32) {
      return c.ErrorAt(at, "metadata 'general.alignment'",
                       absl::StrCat("expected u32, found ", align->TypeString()));
    }
    if (align->u == 0 || !std::has_single_bit(align->u) || align->u > (1u << 20)) {
      return c.ErrorAt(
          at, "metadata 'general.alignment'",
          absl::StrCat("alignment ", align->u, " is not a power of two between 1 and 1,048,576"));
    }
    alignment_ = static_cast<uint32_t>(align->u);
  }

  tensors_.reserve(std::min(n_tensors, kMaxReserve));
  for (uint64_t k = 0; k < n_tensors; ++k) {
    TensorInfo t;
    t.info_offset = c.offset();
    RF_ASSIGN_OR_RETURN(t.name, c.ReadString(absl::StrCat("tensor info #", k, " name")));
    const std::string field = TensorField(t.name);
    uint64_t at = c.offset();
    RF_ASSIGN_OR_RETURN(uint32_t n_dims, c.Read<uint32_t>(field + " n_dims"));
    if (n_dims < 1 || n_dims > kMaxDims) {
      return c.ErrorAt(at, field + " n_dims",
                       absl::StrCat(n_dims, " dimensions (expected 1 to ", kMaxDims, ")"));
    }
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      at = c.offset();
      const std::string dim_field = absl::StrCat(field, " dims[", d, "]");
      RF_ASSIGN_OR_RETURN(uint64_t dim, c.Read<uint64_t>(dim_field));
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return c.ErrorAt(at, dim_field, absl::StrCat(dim, " is out of range (above 2^63 - 1)"));
      }
      if (__builtin_mul_overflow(n_elements, dim, &n_elements) ||
          n_elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return c.ErrorAt(at, dim_field,
                         "the product of the dimensions overflows (more than 2^63 - 1 elements)");
      }
      t.dims.push_back(static_cast<int64_t>(dim));
    }
    t.n_elements = n_elements;
    at = c.offset();
    RF_ASSIGN_OR_RETURN(uint32_t type_id, c.Read<uint32_t>(field + " type"));
    const quant::TypeInfo* info = quant::FindType(type_id);
    if (info == nullptr) {
      return c.ErrorAt(at, field + " type", absl::StrCat("unknown tensor type id ", type_id));
    }
    t.type = info->type;
    if (t.dims[0] % info->block_size != 0) {
      return c.ErrorAt(at, field + " type",
                       absl::StrCat("row length ", t.dims[0], " is not a multiple of the ",
                                    info->name, " block size ", info->block_size));
    }
    // n_elements < 2^63 and type_size <= 292: the product fits in 64 bits only if checked.
    if (__builtin_mul_overflow(n_elements / info->block_size,
                               static_cast<uint64_t>(info->type_size), &t.n_bytes)) {
      return c.ErrorAt(at, field + " type",
                       absl::StrCat(WithCommas(n_elements), " elements of ", info->name,
                                    " take more than 2^64 bytes"));
    }
    at = c.offset();
    RF_ASSIGN_OR_RETURN(t.offset, c.Read<uint64_t>(field + " offset"));
    if (t.offset % alignment_ != 0) {
      return c.ErrorAt(
          at, field + " offset",
          absl::StrCat(WithCommas(t.offset), " is not a multiple of the alignment ", alignment_));
    }
    if (auto [it, added] = tensor_index_.emplace(t.name, tensors_.size()); !added) {
      return c.ErrorAt(t.info_offset, field,
                       absl::StrCat("duplicate tensor name (first at byte ",
                                    WithCommas(tensors_[it->second].info_offset), ")"));
    }
    tensors_.push_back(std::move(t));
  }

  // The data section starts at the next multiple of the alignment.
  data_offset_ = (c.offset() + alignment_ - 1) / alignment_ * alignment_;
  if (!tensors_.empty() && data_offset_ > bytes_.size()) {
    return c.ErrorAt(
        c.offset(), "data section",
        absl::StrCat("starts at ", WithCommas(data_offset_), ", past the end of the file (size ",
                     WithCommas(bytes_.size()), "; truncated?)"));
  }
  const uint64_t data_size = tensors_.empty() ? 0 : bytes_.size() - data_offset_;
  for (TensorInfo& t : tensors_) {
    if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
      return c.ErrorAt(
          OffsetFieldAt(t), TensorField(t.name) + " offset",
          absl::StrCat("data at ", WithCommas(t.offset), " + ", WithCommas(t.n_bytes),
                       " bytes runs past the end of the data section (", WithCommas(data_size),
                       " bytes from file byte ", WithCommas(data_offset_), "; file size ",
                       WithCommas(bytes_.size()), "; truncated?)"));
    }
    t.data = bytes_.data() + data_offset_ + t.offset;
  }
  // No two tensors may share bytes. Sorted by start, a tensor overlaps an earlier one exactly when
  // it starts before the furthest end seen so far. Empty tensors hold no bytes and are skipped (a
  // zero-sized tensor may sit anywhere, even inside another's data). Ties sort by position in the
  // file so that the message is the same on every run.
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(tensors_.size());
  for (const TensorInfo& t : tensors_) {
    if (t.n_bytes > 0) by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->offset != b->offset ? a->offset < b->offset : a->info_offset < b->info_offset;
  });
  const TensorInfo* furthest = nullptr;  // the tensor whose data ends last so far
  for (const TensorInfo* cur : by_offset) {
    if (furthest != nullptr && cur->offset < furthest->offset + furthest->n_bytes) {
      return c.ErrorAt(
          OffsetFieldAt(*cur), TensorField(cur->name) + " offset",
          absl::StrCat("data at ", WithCommas(cur->offset), " + ", WithCommas(cur->n_bytes),
                       " bytes overlaps tensor '", Printable(furthest->name), "' at ",
                       WithCommas(furthest->offset), " + ", WithCommas(furthest->n_bytes),
                       " bytes"));
    }
    if (furthest == nullptr || cur->offset + cur->n_bytes > furthest->offset + furthest->n_bytes) {
      furthest = cur;
    }
  }
  return absl::OkStatus();
}

const Value* GgufFile::Find(absl::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

const TensorInfo* GgufFile::FindTensor(absl::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

absl::Status GgufFile::Error(absl::string_view key, absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(name_, ": key ", key, ": ", message));
}

namespace {
bool IsSigned(const Value& v) {
  return v.type == ValueType::kI8 || v.type == ValueType::kI16 || v.type == ValueType::kI32 ||
         v.type == ValueType::kI64;
}

// An integer value as the file stores it (a u64 above 2^63 - 1 is not shown negative).
std::string ValueString(const Value& v) {
  return IsSigned(v) ? absl::StrCat(v.i) : absl::StrCat(v.u);
}

template <typename T>
bool FitsIn(const Value& v) {
  const bool is_signed = IsSigned(v);
  if (is_signed) {
    if (v.i < 0) {
      if constexpr (std::numeric_limits<T>::is_signed) {
        return v.i >= static_cast<int64_t>(std::numeric_limits<T>::min());
      }
      return false;
    }
    return static_cast<uint64_t>(v.i) <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  }
  return v.u <= static_cast<uint64_t>(std::numeric_limits<T>::max());
}
}  // namespace

#define RF_GGUF_FIND_OR_ERROR(v, key) \
  const Value* v = Find(key);         \
  if (v == nullptr) return Error(key, "missing")

absl::StatusOr<uint32_t> GgufFile::GetU32(absl::string_view key) const {
  RF_GGUF_FIND_OR_ERROR(v, key);
  if (!v->is_integer()) return Error(key, absl::StrCat("expected u32, found ", v->TypeString()));
  if (!FitsIn<uint32_t>(*v)) {
    return Error(key, absl::StrCat("value ", ValueString(*v), " does not fit in u32"));
  }
  return static_cast<uint32_t>(v->u);
}

absl::StatusOr<uint64_t> GgufFile::GetU64(absl::string_view key) const {
  RF_GGUF_FIND_OR_ERROR(v, key);
  if (!v->is_integer()) return Error(key, absl::StrCat("expected u64, found ", v->TypeString()));
  if (!FitsIn<uint64_t>(*v)) {
    return Error(key, absl::StrCat("value ", ValueString(*v), " is negative"));
  }
  return v->u;
}

absl::StatusOr<int64_t> GgufFile::GetI64(absl::string_view key) const {
  RF_GGUF_FIND_OR_ERROR(v, key);
  if (!v->is_integer()) return Error(key, absl::StrCat("expected i64, found ", v->TypeString()));
  if (v->type == ValueType::kU64 && !FitsIn<int64_t>(*v)) {
    return Error(key, absl::StrCat("value ", v->u, " does not fit in i64"));
  }
  return v->i;
}

absl::StatusOr<float> GgufFile::GetF32(absl::string_view key) const {
  RF_GGUF_FIND_OR_ERROR(v, key);
  if (!v->is_float()) return Error(key, absl::StrCat("expected f32, found ", v->TypeString()));
  return static_cast<float>(v->f);
}

absl::StatusOr<bool> GgufFile::GetBool(absl::string_view key) const {
  RF_GGUF_FIND_OR_ERROR(v, key);
  if (v->type != ValueType::kBool) {
    return Error(key, absl::StrCat("expected bool, found ", v->TypeString()));
  }
  return v->b;
}

absl::StatusOr<absl::string_view> GgufFile::GetString(absl::string_view key) const {
  RF_GGUF_FIND_OR_ERROR(v, key);
  if (v->type != ValueType::kString) {
    return Error(key, absl::StrCat("expected string, found ", v->TypeString()));
  }
  return v->str;
}

absl::StatusOr<const Value*> GgufFile::GetArray(absl::string_view key, ValueType elem_type) const {
  RF_GGUF_FIND_OR_ERROR(v, key);
  if (v->type != ValueType::kArray || v->elem_type != elem_type) {
    return Error(key, absl::StrCat("expected array[", ValueTypeName(elem_type), "], found ",
                                   v->TypeString()));
  }
  return v;
}

absl::StatusOr<uint32_t> GgufFile::GetU32Or(absl::string_view key, uint32_t fallback) const {
  if (Find(key) == nullptr) return fallback;
  return GetU32(key);
}

absl::StatusOr<float> GgufFile::GetF32Or(absl::string_view key, float fallback) const {
  if (Find(key) == nullptr) return fallback;
  return GetF32(key);
}

absl::StatusOr<bool> GgufFile::GetBoolOr(absl::string_view key, bool fallback) const {
  if (Find(key) == nullptr) return fallback;
  return GetBool(key);
}

#undef RF_GGUF_FIND_OR_ERROR

}  // namespace rf::gguf
