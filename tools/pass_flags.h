// The pass-manager flags shared by `rfc opt` and `rfc compile`.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "passes/pass_manager.h"
#include "tools/cli.h"

namespace rf::tools {

std::vector<cli::FlagSpec> PassManagerFlags();
absl::StatusOr<passes::PassManagerOptions> PassManagerOptionsFromArgs(const cli::Args& args);

}  // namespace rf::tools
