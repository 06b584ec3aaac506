// Re-encodes a GGUF model's weights into another type (`rfc quantize`), as llama-quantize does for
// a single type: every matrix whose rows are a whole number of the type's blocks is converted;
// vectors (norms, biases) and matrices whose rows do not divide stay as they are. Metadata is
// copied unchanged except general.file_type. For making test models (the GPU test machine cannot
// receive files, and has no llama.cpp): the values are rf's quantizer's (quant/quantize.h).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "quant/types.h"

namespace rf::gguf {

struct RequantizeReport {
  int converted = 0;
  int kept = 0;
};

absl::StatusOr<RequantizeReport> Requantize(const std::string& in, const std::string& out,
                                            quant::GgmlType type);

}  // namespace rf::gguf
