// Op attributes: named integers, f32 floats, strings and integer lists, kept sorted by name so
// that printing is deterministic. Floats are f32 because the models' hyperparameters are (GGUF
// stores eps and theta as f32) and kernels compute with them as f32; printed in the shortest form
// that reads back to the same float ("1e-06").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rf::ir {

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>>;

class AttrMap {
 public:
  void Set(absl::string_view name, AttrValue value) { map_[std::string(name)] = std::move(value); }
  bool Has(absl::string_view name) const { return map_.count(std::string(name)) != 0; }
  void Erase(absl::string_view name) { map_.erase(std::string(name)); }
  const std::map<std::string, AttrValue>& all() const { return map_; }
  bool operator==(const AttrMap& o) const { return map_ == o.map_; }

  // Typed reads; an error names the attribute and what was found.
  absl::StatusOr<int64_t> GetInt(absl::string_view name) const;
  absl::StatusOr<float> GetFloat(absl::string_view name) const;
  absl::StatusOr<std::string> GetString(absl::string_view name) const;
  absl::StatusOr<std::vector<int64_t>> GetInts(absl::string_view name) const;
  // Unchecked reads for code that runs after the verifier.
  int64_t Int(absl::string_view name) const;
  float Float(absl::string_view name) const;
  const std::string& String(absl::string_view name) const;

 private:
  std::map<std::string, AttrValue> map_;
};

// `eps = 1e-06`, `style = "neox"`, `perm = [0, 2, 1]`.
std::string FormatAttrValue(const AttrValue& v);
std::string FormatFloat(float f);

}  // namespace rf::ir
