#include "runtime/hip/hip_status.h"

#include "absl/strings/str_cat.h"

namespace rf::hip {

absl::Status HipError(hipError_t error, absl::string_view call) {
  std::string message =
      absl::StrCat(call, ": ", hipGetErrorString(error), " (", hipGetErrorName(error), ")");
  if (error == hipErrorOutOfMemory) return absl::ResourceExhaustedError(message);
  if (error == hipErrorNoDevice || error == hipErrorInsufficientDriver ||
      error == hipErrorNotInitialized) {
    return absl::UnavailableError(message);
  }
  if (error == hipErrorInvalidValue) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

absl::Status HiprtcError(hiprtcResult result, absl::string_view call, absl::string_view log) {
  std::string message = absl::StrCat(call, ": ", hiprtcGetErrorString(result));
  if (!log.empty()) absl::StrAppend(&message, "\ncompiler log:\n", log);
  if (result == HIPRTC_ERROR_COMPILATION || result == HIPRTC_ERROR_INVALID_OPTION) {
    return absl::InvalidArgumentError(message);
  }
  return absl::InternalError(message);
}

}  // namespace rf::hip
