#include "passes/registry.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "passes/passes.h"

namespace rf::passes {

const std::vector<PassInfo>& AllPasses() {
  static const std::vector<PassInfo> kPasses = {
      {"infer-types", "fill in result types from each op's rule", CreateInferTypesPass},
      {"dce", "remove ops whose results are unused", CreateDcePass},
  };
  return kPasses;
}

const PassInfo* FindPass(absl::string_view name) {
  for (const PassInfo& p : AllPasses()) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

absl::StatusOr<std::vector<std::string>> ParsePassList(absl::string_view list) {
  std::vector<std::string> names;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    if (FindPass(name) == nullptr) {
      std::vector<std::string> known;
      for (const PassInfo& p : AllPasses()) known.push_back(p.name);
      return absl::InvalidArgumentError(absl::StrCat("unknown pass '", name,
                                                     "' (known: ", absl::StrJoin(known, ", "), ")"));
    }
    names.emplace_back(name);
  }
  return names;
}

std::vector<std::string> DefaultPipeline() { return {"infer-types", "dce"}; }

}  // namespace rf::passes
