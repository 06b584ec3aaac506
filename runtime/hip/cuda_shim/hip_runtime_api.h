// The project's own HIP-to-CUDA shim: the subset of the HIP runtime API that ROCmForge's runtime
// uses, mapped onto the CUDA runtime (hip* -> cuda*) and the CUDA driver API (hipModule* ->
// cuModule*/cuLaunchKernel). Included only through runtime/hip/hip_api.h when RF_HIP_BACKEND=CUDA.
//
// Why our own: HIP's nvidia_detail headers (Debian's HIP 5.2.3) do not compile against CUDA 13
// (removed cudaDeviceProp fields, graph API changes; ../../../../shared/TOOLCHAIN.md). HIP's
// own nvidia_detail/nvidia_hip_runtime_api.h is the prior art for the mapping.
//
// Differences from HIP on AMD that callers see:
//  - hipError_t IS cudaError_t. Driver-API results (modules) are converted by value; the codes we
//    can get there are checked at compile time to mean the same thing in both enums (driver.cc).
//  - hipDeviceProp_t holds only the fields listed below; gcnArchName is "sm_XY".
//  - hipGraphInstantiate keeps HIP's 5-argument form; the error node and log are not filled.
//  - The driver API is reached through cudart's cudaGetDriverEntryPointByVersion, so programs do
//    not link libcuda and start (then report "no device") on machines without a driver.
#pragma once

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <cstddef>

// ---- types ----
typedef cudaError_t hipError_t;
typedef cudaStream_t hipStream_t;
typedef cudaEvent_t hipEvent_t;
typedef cudaGraph_t hipGraph_t;
typedef cudaGraphExec_t hipGraphExec_t;
typedef cudaGraphNode_t hipGraphNode_t;
typedef CUmodule hipModule_t;
typedef CUfunction hipFunction_t;
typedef void* hipDeviceptr_t;
typedef cudaMemcpyKind hipMemcpyKind;
typedef cudaStreamCaptureMode hipStreamCaptureMode;
typedef cudaStreamCaptureStatus hipStreamCaptureStatus;
typedef CUfunction_attribute hipFunction_attribute;

// ---- error codes ----
constexpr hipError_t hipSuccess = cudaSuccess;
constexpr hipError_t hipErrorInvalidValue = cudaErrorInvalidValue;
constexpr hipError_t hipErrorOutOfMemory = cudaErrorMemoryAllocation;
constexpr hipError_t hipErrorNotInitialized = cudaErrorInitializationError;
constexpr hipError_t hipErrorNoDevice = cudaErrorNoDevice;
constexpr hipError_t hipErrorInvalidDevice = cudaErrorInvalidDevice;
constexpr hipError_t hipErrorInvalidImage = cudaErrorInvalidKernelImage;
constexpr hipError_t hipErrorNoBinaryForGpu = cudaErrorNoKernelImageForDevice;
constexpr hipError_t hipErrorInvalidHandle = cudaErrorInvalidResourceHandle;
constexpr hipError_t hipErrorNotFound = cudaErrorSymbolNotFound;
constexpr hipError_t hipErrorNotReady = cudaErrorNotReady;
constexpr hipError_t hipErrorIllegalAddress = cudaErrorIllegalAddress;
constexpr hipError_t hipErrorLaunchOutOfResources = cudaErrorLaunchOutOfResources;
constexpr hipError_t hipErrorLaunchFailure = cudaErrorLaunchFailure;
constexpr hipError_t hipErrorNotSupported = cudaErrorNotSupported;
constexpr hipError_t hipErrorInsufficientDriver = cudaErrorInsufficientDriver;
constexpr hipError_t hipErrorUnknown = cudaErrorUnknown;

// ---- flags and enumerators ----
constexpr hipMemcpyKind hipMemcpyHostToHost = cudaMemcpyHostToHost;
constexpr hipMemcpyKind hipMemcpyHostToDevice = cudaMemcpyHostToDevice;
constexpr hipMemcpyKind hipMemcpyDeviceToHost = cudaMemcpyDeviceToHost;
constexpr hipMemcpyKind hipMemcpyDeviceToDevice = cudaMemcpyDeviceToDevice;
constexpr hipMemcpyKind hipMemcpyDefault = cudaMemcpyDefault;
constexpr unsigned hipStreamDefault = cudaStreamDefault;
constexpr unsigned hipStreamNonBlocking = cudaStreamNonBlocking;
constexpr unsigned hipEventDefault = cudaEventDefault;
constexpr unsigned hipEventBlockingSync = cudaEventBlockingSync;
constexpr unsigned hipEventDisableTiming = cudaEventDisableTiming;
// hipHostMalloc flags have CUDA's values; HIP-only ones (coherence, NUMA) are dropped.
constexpr unsigned hipHostMallocDefault = cudaHostAllocDefault;
constexpr unsigned hipHostMallocPortable = cudaHostAllocPortable;
constexpr unsigned hipHostMallocMapped = cudaHostAllocMapped;
constexpr unsigned hipHostMallocWriteCombined = cudaHostAllocWriteCombined;
constexpr unsigned hipHostRegisterDefault = cudaHostRegisterDefault;
constexpr unsigned hipHostRegisterPortable = cudaHostRegisterPortable;
constexpr unsigned hipHostRegisterReadOnly = cudaHostRegisterReadOnly;
constexpr hipStreamCaptureMode hipStreamCaptureModeGlobal = cudaStreamCaptureModeGlobal;
constexpr hipStreamCaptureMode hipStreamCaptureModeThreadLocal = cudaStreamCaptureModeThreadLocal;
constexpr hipStreamCaptureMode hipStreamCaptureModeRelaxed = cudaStreamCaptureModeRelaxed;
constexpr hipStreamCaptureStatus hipStreamCaptureStatusNone = cudaStreamCaptureStatusNone;
constexpr hipStreamCaptureStatus hipStreamCaptureStatusActive = cudaStreamCaptureStatusActive;
constexpr hipStreamCaptureStatus hipStreamCaptureStatusInvalidated =
    cudaStreamCaptureStatusInvalidated;
constexpr hipFunction_attribute HIP_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK =
    CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK;
constexpr hipFunction_attribute HIP_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES =
    CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES;
constexpr hipFunction_attribute HIP_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES =
    CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES;
constexpr hipFunction_attribute HIP_FUNC_ATTRIBUTE_NUM_REGS = CU_FUNC_ATTRIBUTE_NUM_REGS;

// The device attributes we map (HIP numbers its own; hipDeviceGetAttribute translates).
enum hipDeviceAttribute_t {
  hipDeviceAttributeClockRate,        // kHz
  hipDeviceAttributeMemoryClockRate,  // kHz
  hipDeviceAttributeMemoryBusWidth,   // bits
  hipDeviceAttributeL2CacheSize,      // bytes
  hipDeviceAttributeMultiprocessorCount,
  hipDeviceAttributeWarpSize,
  hipDeviceAttributeMaxThreadsPerBlock,
  hipDeviceAttributeMaxSharedMemoryPerBlock,
  hipDeviceAttributeSharedMemPerBlockOptin,
  hipDeviceAttributeComputeCapabilityMajor,
  hipDeviceAttributeComputeCapabilityMinor,
};

// HIP's device properties, the fields the runtime reads (same names and types as HIP's).
struct hipDeviceProp_t {
  char name[256];
  char gcnArchName[256];  // "sm_90": the --gpu-architecture NVRTC compiles for
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  size_t totalConstMem;
  size_t maxSharedMemoryPerMultiProcessor;
  int regsPerBlock;
  int warpSize;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int clockRate;        // kHz (from the attribute: CUDA 13 dropped the field)
  int memoryClockRate;  // kHz (idem)
  int memoryBusWidth;   // bits
  int major;
  int minor;
  int multiProcessorCount;
  int l2CacheSize;
  int maxThreadsPerMultiProcessor;
  int pciBusID;
  int pciDeviceID;
  int pciDomainID;
  int integrated;
};

// ---- device ----
hipError_t hipInit(unsigned flags);
inline hipError_t hipDriverGetVersion(int* version) {
  return cudaDriverGetVersion(version);
}
inline hipError_t hipRuntimeGetVersion(int* version) {
  return cudaRuntimeGetVersion(version);
}
inline hipError_t hipGetDeviceCount(int* count) {
  return cudaGetDeviceCount(count);
}
inline hipError_t hipSetDevice(int device) {
  return cudaSetDevice(device);
}
inline hipError_t hipGetDevice(int* device) {
  return cudaGetDevice(device);
}
hipError_t hipGetDeviceProperties(hipDeviceProp_t* prop, int device);
hipError_t hipDeviceGetAttribute(int* value, hipDeviceAttribute_t attr, int device);
inline hipError_t hipDeviceSynchronize() {
  return cudaDeviceSynchronize();
}
inline hipError_t hipDeviceReset() {
  return cudaDeviceReset();
}
inline hipError_t hipMemGetInfo(size_t* free, size_t* total) {
  return cudaMemGetInfo(free, total);
}

// ---- errors ----
inline hipError_t hipGetLastError() {
  return cudaGetLastError();
}
inline hipError_t hipPeekAtLastError() {
  return cudaPeekAtLastError();
}
inline const char* hipGetErrorString(hipError_t e) {
  return cudaGetErrorString(e);
}
inline const char* hipGetErrorName(hipError_t e) {
  return cudaGetErrorName(e);
}

// ---- memory ----
inline hipError_t hipMalloc(void** ptr, size_t size) {
  return cudaMalloc(ptr, size);
}
template <typename T>
hipError_t hipMalloc(T** ptr, size_t size) {
  return cudaMalloc(reinterpret_cast<void**>(ptr), size);
}
inline hipError_t hipFree(void* ptr) {
  return cudaFree(ptr);
}
inline hipError_t hipHostMalloc(void** ptr, size_t size, unsigned flags = hipHostMallocDefault) {
  return cudaHostAlloc(
      ptr, size,
      flags & (cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined));
}
template <typename T>
hipError_t hipHostMalloc(T** ptr, size_t size, unsigned flags = hipHostMallocDefault) {
  return hipHostMalloc(reinterpret_cast<void**>(ptr), size, flags);
}
inline hipError_t hipHostFree(void* ptr) {
  return cudaFreeHost(ptr);
}
inline hipError_t hipHostRegister(void* ptr, size_t size, unsigned flags) {
  return cudaHostRegister(ptr, size, flags);
}
inline hipError_t hipHostUnregister(void* ptr) {
  return cudaHostUnregister(ptr);
}
inline hipError_t hipMemcpy(void* dst, const void* src, size_t size, hipMemcpyKind kind) {
  return cudaMemcpy(dst, src, size, kind);
}
inline hipError_t hipMemcpyAsync(void* dst, const void* src, size_t size, hipMemcpyKind kind,
                                 hipStream_t stream = nullptr) {
  return cudaMemcpyAsync(dst, src, size, kind, stream);
}
inline hipError_t hipMemset(void* dst, int value, size_t size) {
  return cudaMemset(dst, value, size);
}
inline hipError_t hipMemsetAsync(void* dst, int value, size_t size, hipStream_t stream = nullptr) {
  return cudaMemsetAsync(dst, value, size, stream);
}

// ---- streams and events ----
inline hipError_t hipStreamCreate(hipStream_t* stream) {
  return cudaStreamCreate(stream);
}
inline hipError_t hipStreamCreateWithFlags(hipStream_t* stream, unsigned flags) {
  return cudaStreamCreateWithFlags(stream, flags);
}
inline hipError_t hipStreamDestroy(hipStream_t stream) {
  return cudaStreamDestroy(stream);
}
inline hipError_t hipStreamSynchronize(hipStream_t stream) {
  return cudaStreamSynchronize(stream);
}
inline hipError_t hipStreamQuery(hipStream_t stream) {
  return cudaStreamQuery(stream);
}
inline hipError_t hipStreamWaitEvent(hipStream_t stream, hipEvent_t event, unsigned flags) {
  return cudaStreamWaitEvent(stream, event, flags);
}
inline hipError_t hipEventCreate(hipEvent_t* event) {
  return cudaEventCreate(event);
}
inline hipError_t hipEventCreateWithFlags(hipEvent_t* event, unsigned flags) {
  return cudaEventCreateWithFlags(event, flags);
}
inline hipError_t hipEventRecord(hipEvent_t event, hipStream_t stream = nullptr) {
  return cudaEventRecord(event, stream);
}
inline hipError_t hipEventSynchronize(hipEvent_t event) {
  return cudaEventSynchronize(event);
}
inline hipError_t hipEventQuery(hipEvent_t event) {
  return cudaEventQuery(event);
}
inline hipError_t hipEventElapsedTime(float* ms, hipEvent_t start, hipEvent_t stop) {
  return cudaEventElapsedTime(ms, start, stop);
}
inline hipError_t hipEventDestroy(hipEvent_t event) {
  return cudaEventDestroy(event);
}

// ---- graphs (stream capture) ----
inline hipError_t hipStreamBeginCapture(hipStream_t stream, hipStreamCaptureMode mode) {
  return cudaStreamBeginCapture(stream, mode);
}
inline hipError_t hipStreamEndCapture(hipStream_t stream, hipGraph_t* graph) {
  return cudaStreamEndCapture(stream, graph);
}
inline hipError_t hipStreamIsCapturing(hipStream_t stream, hipStreamCaptureStatus* status) {
  return cudaStreamIsCapturing(stream, status);
}
// HIP keeps CUDA 11's five-argument form; CUDA 12 replaced it with (exec, graph, flags).
inline hipError_t hipGraphInstantiate(hipGraphExec_t* exec, hipGraph_t graph,
                                      hipGraphNode_t* error_node, char* log, size_t log_size) {
  if (error_node != nullptr) *error_node = nullptr;
  if (log != nullptr && log_size > 0) log[0] = '\0';
  return cudaGraphInstantiate(exec, graph, 0);
}
inline hipError_t hipGraphInstantiateWithFlags(hipGraphExec_t* exec, hipGraph_t graph,
                                               unsigned long long flags) {
  return cudaGraphInstantiate(exec, graph, flags);
}
inline hipError_t hipGraphGetNodes(hipGraph_t graph, hipGraphNode_t* nodes, size_t* count) {
  return cudaGraphGetNodes(graph, nodes, count);
}
inline hipError_t hipGraphLaunch(hipGraphExec_t exec, hipStream_t stream) {
  return cudaGraphLaunch(exec, stream);
}
inline hipError_t hipGraphExecDestroy(hipGraphExec_t exec) {
  return cudaGraphExecDestroy(exec);
}
inline hipError_t hipGraphDestroy(hipGraph_t graph) {
  return cudaGraphDestroy(graph);
}

// ---- modules (driver API, driver.cc) ----
hipError_t hipModuleLoadData(hipModule_t* module, const void* image);
hipError_t hipModuleGetFunction(hipFunction_t* function, hipModule_t module, const char* name);
hipError_t hipModuleUnload(hipModule_t module);
hipError_t hipModuleLaunchKernel(hipFunction_t f, unsigned grid_x, unsigned grid_y, unsigned grid_z,
                                 unsigned block_x, unsigned block_y, unsigned block_z,
                                 unsigned shared_bytes, hipStream_t stream, void** params,
                                 void** extra);
hipError_t hipFuncGetAttribute(int* value, hipFunction_attribute attr, hipFunction_t f);
