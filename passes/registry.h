// Passes by name: what pipelines, `rfc opt --passes=...`, --disable-pass and --print-ir-after use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "passes/pass.h"

namespace rf::passes {

struct PassInfo {
  const char* name;
  const char* summary;
  std::unique_ptr<Pass> (*create)();
};

const std::vector<PassInfo>& AllPasses();
const PassInfo* FindPass(absl::string_view name);
// Splits "a,b,c" and checks every name is registered.
absl::StatusOr<std::vector<std::string>> ParsePassList(absl::string_view list);
// The compile pipeline, in order.
std::vector<std::string> DefaultPipeline();

}  // namespace rf::passes
