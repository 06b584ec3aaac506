#include "ir/attributes.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace rf::ir {
namespace {

const char* KindName(const AttrValue& v) {
  switch (v.index()) {
    case 0:
      return "int";
    case 1:
      return "float";
    case 2:
      return "string";
    default:
      return "int list";
  }
}

template <typename T>
absl::StatusOr<T> Get(const std::map<std::string, AttrValue>& map, absl::string_view name,
                      const char* want) {
  auto it = map.find(std::string(name));
  if (it == map.end())
    return absl::InvalidArgumentError(absl::StrCat("missing attribute '", name, "'"));
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  return absl::InvalidArgumentError(
      absl::StrCat("attribute '", name, "': expected ", want, ", found ", KindName(it->second)));
}

}  // namespace

absl::StatusOr<int64_t> AttrMap::GetInt(absl::string_view name) const {
  return Get<int64_t>(map_, name, "int");
}
absl::StatusOr<float> AttrMap::GetFloat(absl::string_view name) const {
  return Get<float>(map_, name, "float");
}
absl::StatusOr<std::string> AttrMap::GetString(absl::string_view name) const {
  return Get<std::string>(map_, name, "string");
}
absl::StatusOr<std::vector<int64_t>> AttrMap::GetInts(absl::string_view name) const {
  return Get<std::vector<int64_t>>(map_, name, "int list");
}

int64_t AttrMap::Int(absl::string_view name) const {
  return std::get<int64_t>(map_.at(std::string(name)));
}
float AttrMap::Float(absl::string_view name) const {
  return std::get<float>(map_.at(std::string(name)));
}
const std::string& AttrMap::String(absl::string_view name) const {
  return std::get<std::string>(map_.at(std::string(name)));
}

std::string FormatFloat(float f) {
  if (std::isnan(f)) return "nan";
  if (std::isinf(f)) return f > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), f);
  std::string s(buf, res.ptr);
  // Keep floats recognizable as floats: "1" -> "1.0".
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

std::string FormatAttrValue(const AttrValue& v) {
  switch (v.index()) {
    case 0:
      return absl::StrCat(std::get<int64_t>(v));
    case 1:
      return FormatFloat(std::get<float>(v));
    case 2: {
      std::string out = "\"";
      for (char c : std::get<std::string>(v)) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      return out + "\"";
    }
    default: {
      std::string out = "[";
      const auto& list = std::get<std::vector<int64_t>>(v);
      for (size_t i = 0; i < list.size(); ++i) absl::StrAppend(&out, i ? ", " : "", list[i]);
      return out + "]";
    }
  }
}

}  // namespace rf::ir
