// A human-readable description of a plan file: what `rfc inspect M.plan` prints.
#pragma once

#include <string>

#include "runtime/plan/plan.h"

namespace rf::plan {

// Producer, target, format version, the section table (name, offset, size, checksum), the model,
// the arena by region, the inputs and outputs, each program's instruction counts by opcode, and the
// kernels.
std::string DescribePlan(const PlanFile& file);

// "f32 [T, 896] at 1,024" for a TensorRef.
std::string DescribeRef(const TensorRef& ref);

}  // namespace rf::plan
