// The IR's text form: the debugging interface and the test format. Every op prints with its
// attributes and full types, and parser.cc reads it back to an equal graph.
//
//   graph "stories260K"
//   symbol T <= 512
//   %tokens = input "tokens" : T x i32
//   %5 = rms_norm(%4, %w3) {eps = 1e-06} : (T x 896 x f32, 896 x f32) -> T x 896 x f32
//   output "logits"(%9) : (1 x 512 x f32) -> ()
//
// Values print by their name when they have a unique one, else by number (%0, %1, ...).
#pragma once

#include <string>

#include "ir/graph.h"

namespace rf::ir {

std::string PrintGraph(const Graph& graph);
// One op alone (operands by name or as %?N when unnamed), for error messages.
std::string PrintOp(const Op& op);

}  // namespace rf::ir
