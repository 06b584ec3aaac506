// Every pass's factory. The registry (registry.cc) lists them by name.
#pragma once

#include <memory>

#include "passes/pass.h"

namespace rf::passes {

// Fills in result types from each op's inference rule (infer_types.cc).
std::unique_ptr<Pass> CreateInferTypesPass();
// Removes ops whose results are unused and that have no side effects (dce.cc).
std::unique_ptr<Pass> CreateDcePass();

}  // namespace rf::passes
