// HIP error codes as absl::Status values that name the call that failed and HIP's own words:
//   hipMalloc(&ptr, bytes): out of memory (hipErrorOutOfMemory)
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "runtime/hip/hip_api.h"
#include "support/status.h"

namespace rf::hip {

// The Status for `error` returned by `call` (the call's text, e.g. "hipMalloc(&p, n)"). Codes:
// out of memory -> ResourceExhausted; no device or driver -> Unavailable (tests skip on it);
// invalid values -> InvalidArgument; anything else -> Internal.
absl::Status HipError(hipError_t error, absl::string_view call);

inline absl::Status CheckHip(hipError_t error, absl::string_view call) {
  if (error == hipSuccess) return absl::OkStatus();
  return HipError(error, call);
}

// hipRTC results likewise, with the program's compiler log when there is one.
absl::Status HiprtcError(hiprtcResult result, absl::string_view call, absl::string_view log = "");

}  // namespace rf::hip

// RF_HIP_RETURN_IF_ERROR(hipMalloc(&p, n)); returns the error Status, naming the call.
#define RF_HIP_RETURN_IF_ERROR(call) RF_RETURN_IF_ERROR(::rf::hip::CheckHip((call), #call))
