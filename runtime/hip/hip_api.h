// The one include for the HIP runtime API and hipRTC in ROCmForge's runtime: ROCm's own headers
// when built with RF_HIP_BACKEND=AMD, the project's HIP-to-CUDA shim (cuda_shim/) with
// RF_HIP_BACKEND=CUDA. Runtime code is written against HIP only and includes nothing else of it.
#pragma once

#if defined(RF_HIP_BACKEND_AMD)
#include <hip/hip_runtime_api.h>
#include <hip/hiprtc.h>
#elif defined(RF_HIP_BACKEND_CUDA)
#include "runtime/hip/cuda_shim/hip_runtime_api.h"
#include "runtime/hip/cuda_shim/hiprtc.h"
#else
#error "runtime/hip/hip_api.h needs RF_HIP_BACKEND=AMD or CUDA (link rf_hip_api)"
#endif

namespace rf::hip {

// Which HIP this build talks to, for messages and cache keys.
#if defined(RF_HIP_BACKEND_AMD)
inline constexpr const char kBackendName[] = "HIP (AMD ROCm)";
#else
inline constexpr const char kBackendName[] = "HIP over CUDA (ROCmForge shim)";
#endif

}  // namespace rf::hip
