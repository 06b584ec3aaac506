# Which HIP the runtime is built against: RF_HIP_BACKEND = OFF | AMD | CUDA.
#
#   AMD   HIP from ROCm. Found with find_package(hip) (the hip::host target: host code built by the
#         usual C++ compiler, no HIP language needed), both in Debian's /usr layout (apt install
#         libamdhip64-dev) and in ROCm's /opt/rocm (found by default; or -DCMAKE_PREFIX_PATH=/opt/rocm,
#         or ROCM_PATH). ROCm >= 5.6 ships hipRTC as its own library (hiprtc::hiprtc); older ones
#         keep it in libamdhip64.
#   CUDA  The project's HIP-to-CUDA shim (runtime/hip/cuda_shim/) over the CUDA runtime, the driver
#         API (reached through cudart's cudaGetDriverEntryPointByVersion, so nothing links libcuda
#         and binaries start on a machine without a driver) and NVRTC. Needs the CUDA toolkit
#         (>= 12.5; tested with 13.0 at /usr/local/cuda; -DCUDAToolkit_ROOT=... elsewhere).
#   OFF   No GPU runtime; the cpu backend only.
#
# Left unset, the first configure picks AMD if HIP is found, else CUDA if the toolkit is, else OFF,
# and records the choice in the cache. Defines the interface target rf_hip_api (the one thing
# runtime code links to reach HIP) and RF_HIP_BACKEND_{AMD,CUDA}=1.
set(_rf_rocm_hints /opt/rocm $ENV{ROCM_PATH})

if(NOT DEFINED RF_HIP_BACKEND)
  find_package(hip CONFIG QUIET PATHS ${_rf_rocm_hints})
  if(hip_FOUND)
    set(_rf_default AMD)
  else()
    find_package(CUDAToolkit QUIET)
    if(CUDAToolkit_FOUND)
      set(_rf_default CUDA)
    else()
      set(_rf_default OFF)
    endif()
  endif()
  set(RF_HIP_BACKEND ${_rf_default} CACHE STRING "GPU runtime backend: OFF, AMD (ROCm HIP) or CUDA (HIP-to-CUDA shim)")
endif()
set_property(CACHE RF_HIP_BACKEND PROPERTY STRINGS OFF AMD CUDA)

add_library(rf_hip_api INTERFACE)
if(RF_HIP_BACKEND STREQUAL "AMD")
  find_package(hip CONFIG REQUIRED PATHS ${_rf_rocm_hints})
  find_package(hiprtc CONFIG QUIET PATHS ${_rf_rocm_hints})
  target_link_libraries(rf_hip_api INTERFACE hip::host)
  if(hiprtc_FOUND)
    target_link_libraries(rf_hip_api INTERFACE hiprtc::hiprtc)
  endif()
  target_compile_definitions(rf_hip_api INTERFACE RF_HIP_BACKEND_AMD=1)
  message(STATUS "RF_HIP_BACKEND=AMD: HIP ${hip_VERSION} from ${hip_DIR}")
elseif(RF_HIP_BACKEND STREQUAL "CUDA")
  find_package(CUDAToolkit 12.5 REQUIRED)
  target_compile_definitions(rf_hip_api INTERFACE RF_HIP_BACKEND_CUDA=1)
  # The shim library itself is defined in runtime/hip/cuda_shim/ and linked there.
  message(STATUS "RF_HIP_BACKEND=CUDA: CUDA ${CUDAToolkit_VERSION} from ${CUDAToolkit_BIN_DIR}")
elseif(NOT RF_HIP_BACKEND STREQUAL "OFF")
  message(FATAL_ERROR "RF_HIP_BACKEND must be OFF, AMD or CUDA, not '${RF_HIP_BACKEND}'")
else()
  message(STATUS "RF_HIP_BACKEND=OFF: no GPU runtime")
endif()
