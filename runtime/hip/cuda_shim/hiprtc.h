// hipRTC on NVIDIA: the hiprtc* calls ROCmForge uses, served by NVRTC (hiprtc.cc). Part of the
// project's HIP-to-CUDA shim (see hip_runtime_api.h); included through runtime/hip/hip_api.h.
//
// hiprtcCompileProgram translates HIP's options for NVRTC:
//  --offload-arch=sm_XY / --gpu-architecture=sm_XY / -arch=sm_XY -> --gpu-architecture=sm_XY; with
//      none given, the current device's compute capability is used (an error without a device);
//  -O0..-O3 and AMD's -m... options (-mcumode, -mwavefrontsize64; not NVRTC's -maxrregcount) are
//      dropped (NVRTC rejects -O3 and optimizes by default);
//  -ffast-math -> --use_fast_math; everything else (-D, -std=, --include-path=) passes as is.
//  --include-path=<CUDA include dir> is added so that sources may include cuda_fp16.h.
// The code object is the CUBIN (nvrtcGetCUBIN), which hipModuleLoadData (cuModuleLoadData) loads.
// hiprtcResult IS nvrtcResult: the two enums number their codes alike.
#pragma once

#include <nvrtc.h>

#include <cstddef>

typedef nvrtcResult hiprtcResult;
typedef struct RfHiprtcProgram* hiprtcProgram;

constexpr hiprtcResult HIPRTC_SUCCESS = NVRTC_SUCCESS;
constexpr hiprtcResult HIPRTC_ERROR_OUT_OF_MEMORY = NVRTC_ERROR_OUT_OF_MEMORY;
constexpr hiprtcResult HIPRTC_ERROR_PROGRAM_CREATION_FAILURE = NVRTC_ERROR_PROGRAM_CREATION_FAILURE;
constexpr hiprtcResult HIPRTC_ERROR_INVALID_INPUT = NVRTC_ERROR_INVALID_INPUT;
constexpr hiprtcResult HIPRTC_ERROR_INVALID_PROGRAM = NVRTC_ERROR_INVALID_PROGRAM;
constexpr hiprtcResult HIPRTC_ERROR_INVALID_OPTION = NVRTC_ERROR_INVALID_OPTION;
constexpr hiprtcResult HIPRTC_ERROR_COMPILATION = NVRTC_ERROR_COMPILATION;

inline const char* hiprtcGetErrorString(hiprtcResult result) {
  return nvrtcGetErrorString(result);
}
inline hiprtcResult hiprtcVersion(int* major, int* minor) {
  return nvrtcVersion(major, minor);
}

hiprtcResult hiprtcCreateProgram(hiprtcProgram* program, const char* source, const char* name,
                                 int num_headers, const char* const* headers,
                                 const char* const* include_names);
hiprtcResult hiprtcCompileProgram(hiprtcProgram program, int num_options,
                                  const char* const* options);
hiprtcResult hiprtcGetProgramLogSize(hiprtcProgram program, size_t* size);
hiprtcResult hiprtcGetProgramLog(hiprtcProgram program, char* log);
hiprtcResult hiprtcGetCodeSize(hiprtcProgram program, size_t* size);
hiprtcResult hiprtcGetCode(hiprtcProgram program, char* code);
hiprtcResult hiprtcAddNameExpression(hiprtcProgram program, const char* name_expression);
hiprtcResult hiprtcGetLoweredName(hiprtcProgram program, const char* name_expression,
                                  const char** lowered_name);
hiprtcResult hiprtcDestroyProgram(hiprtcProgram* program);
