#include "frontends/gguf/describe.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "frontends/gguf/hparams.h"
#include "support/format.h"

namespace rf::gguf {
namespace {

// Strings are shown quoted with control characters escaped, and cut after 60 bytes.
std::string QuoteString(absl::string_view s) {
  std::string out = "\"";
  size_t shown = 0;
  for (char ch : s) {
    if (shown++ == 60) {
      absl::StrAppend(&out, "...");
      break;
    }
    unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out.push_back(ch);
    }
  }
  return out + "\"";
}

// Keys, tensor names and messages that quote the file, as printed: bytes below 0x20 and 0x7f are
// escaped (a hostile name must not drive the terminal with escape sequences or break the table's
// lines), and a very long name is cut.
std::string Printable(absl::string_view s, size_t max_bytes = 200) {
  std::string out;
  for (size_t k = 0; k < s.size(); ++k) {
    if (k == max_bytes) {
      absl::StrAppend(&out, "... (", WithCommas(s.size()), " bytes)");
      break;
    }
    const unsigned char c = static_cast<unsigned char>(s[k]);
    if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out.push_back(s[k]);
    }
  }
  return out;
}

std::string FormatScalar(const Value& v) {
  switch (v.type) {
    case ValueType::kF32:
    case ValueType::kF64:
      return absl::StrFormat("%g", v.f);
    case ValueType::kBool:
      return v.b ? "true" : "false";
    case ValueType::kString:
      return QuoteString(v.str);
    case ValueType::kU64:
      return absl::StrCat(v.u);
    default:
      return absl::StrCat(v.i);
  }
}

}  // namespace

std::string FormatValue(const Value& value, size_t max_items) {
  if (value.type != ValueType::kArray) return FormatScalar(value);
  std::string out = "[";
  const uint64_t shown = value.count < max_items ? value.count : max_items;
  for (uint64_t k = 0; k < shown; ++k) {
    if (k) out += ", ";
    if (value.elem_type == ValueType::kString) {
      out += QuoteString(value.strings[k]);
    } else if (value.elem_type == ValueType::kF32 || value.elem_type == ValueType::kF64) {
      absl::StrAppendFormat(&out, "%g", value.ArrayAsDouble(k));
    } else if (value.elem_type == ValueType::kBool) {
      out += value.ArrayAsInt(k) ? "true" : "false";
    } else if (value.elem_type == ValueType::kU64) {
      // ArrayAsInt keeps a u64's bits; above 2^63 - 1 they read negative as int64.
      absl::StrAppend(&out, static_cast<uint64_t>(value.ArrayAsInt(k)));
    } else {
      absl::StrAppend(&out, value.ArrayAsInt(k));
    }
  }
  if (shown < value.count) absl::StrAppend(&out, ", ... (", WithCommas(value.count), " items)");
  return out + "]";
}

std::string DescribeGguf(const GgufFile& file) {
  std::string out;
  absl::StrAppendFormat(&out,
                        "%s: GGUF v%d, %s bytes, %d metadata keys, %d tensors, alignment %d\n",
                        file.name(), file.version(), WithCommas(file.file_size()),
                        file.metadata().size(), file.tensors().size(), file.alignment());
  out += "\nmetadata:\n";
  for (const KeyValue& kv : file.metadata()) {
    absl::StrAppendFormat(&out, "  %-44s %-20s %s\n", Printable(kv.key), kv.value.TypeString(),
                          FormatValue(kv.value));
  }
  out += "\nhyperparameters:\n";
  absl::StatusOr<ModelHParams> hp = ReadHParams(file);
  if (hp.ok()) {
    ModelHParams shown = *hp;  // general.name is any string from the file
    shown.name = Printable(shown.name);
    out += FormatHParams(shown);
  } else {
    absl::StrAppend(&out, "  (not understood: ", Printable(hp.status().message(), 1000), ")\n");
  }
  absl::StrAppendFormat(&out, "\ntensors:\n  %-36s %-26s %-8s %14s %14s\n", "name", "shape", "type",
                        "bytes", "offset");
  uint64_t total = 0, elements = 0;
  for (const TensorInfo& t : file.tensors()) {
    absl::StrAppendFormat(&out, "  %-36s %-26s %-8s %14s %14s\n", Printable(t.name),
                          t.ShapeString(), quant::TypeName(t.type), WithCommas(t.n_bytes),
                          WithCommas(t.offset));
    total += t.n_bytes;
    elements += t.n_elements;
  }
  absl::StrAppendFormat(&out, "  total: %d tensors, %s elements, %s bytes (%s)\n",
                        file.tensors().size(), WithCommas(elements), WithCommas(total),
                        HumanBytes(total));
  return out;
}

}  // namespace rf::gguf
