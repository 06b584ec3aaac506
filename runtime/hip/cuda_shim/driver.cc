// hipModule* over the CUDA driver API, and the device queries that need more than one CUDA call.
//
// The driver functions are looked up through cudart (cudaGetDriverEntryPointByVersion, CUDA
// >= 12.5) instead of being linked from libcuda: the binaries then need no libcuda.so.1 to start,
// so the CUDA-shim build's tests run (and skip their GPU parts) on machines without an NVIDIA
// driver.
#include <cstdio>
#include <cstring>
#include <mutex>

#include "runtime/hip/cuda_shim/hip_runtime_api.h"

// Driver results are handed back as hipError_t (= cudaError_t) by value. These are the codes the
// calls below can return; the two enums agree on each of them.
static_assert(int(CUDA_SUCCESS) == int(cudaSuccess));
static_assert(int(CUDA_ERROR_INVALID_VALUE) == int(cudaErrorInvalidValue));
static_assert(int(CUDA_ERROR_OUT_OF_MEMORY) == int(cudaErrorMemoryAllocation));
static_assert(int(CUDA_ERROR_NOT_INITIALIZED) == int(cudaErrorInitializationError));
static_assert(int(CUDA_ERROR_DEINITIALIZED) == int(cudaErrorCudartUnloading));
static_assert(int(CUDA_ERROR_NO_DEVICE) == int(cudaErrorNoDevice));
static_assert(int(CUDA_ERROR_INVALID_DEVICE) == int(cudaErrorInvalidDevice));
static_assert(int(CUDA_ERROR_INVALID_IMAGE) == int(cudaErrorInvalidKernelImage));
static_assert(int(CUDA_ERROR_INVALID_CONTEXT) == int(cudaErrorDeviceUninitialized));
static_assert(int(CUDA_ERROR_NO_BINARY_FOR_GPU) == int(cudaErrorNoKernelImageForDevice));
static_assert(int(CUDA_ERROR_INVALID_PTX) == int(cudaErrorInvalidPtx));
static_assert(int(CUDA_ERROR_UNSUPPORTED_PTX_VERSION) == int(cudaErrorUnsupportedPtxVersion));
static_assert(int(CUDA_ERROR_INVALID_HANDLE) == int(cudaErrorInvalidResourceHandle));
static_assert(int(CUDA_ERROR_NOT_FOUND) == int(cudaErrorSymbolNotFound));
static_assert(int(CUDA_ERROR_ILLEGAL_ADDRESS) == int(cudaErrorIllegalAddress));
static_assert(int(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES) == int(cudaErrorLaunchOutOfResources));
static_assert(int(CUDA_ERROR_LAUNCH_FAILED) == int(cudaErrorLaunchFailure));
static_assert(int(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED) == int(cudaErrorStreamCaptureUnsupported));
static_assert(int(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED) == int(cudaErrorStreamCaptureInvalidated));

namespace {

struct Driver {
  decltype(&::cuCtxGetCurrent) ctx_get_current = nullptr;
  decltype(&::cuModuleLoadData) module_load_data = nullptr;
  decltype(&::cuModuleGetFunction) module_get_function = nullptr;
  decltype(&::cuModuleUnload) module_unload = nullptr;
  decltype(&::cuLaunchKernel) launch_kernel = nullptr;
  decltype(&::cuFuncGetAttribute) func_get_attribute = nullptr;
  cudaError_t status = cudaSuccess;  // why the table is incomplete, if it is
};

template <typename Fn>
cudaError_t Lookup(const char* symbol, Fn* fn) {
  void* p = nullptr;
  cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSuccess;
  cudaError_t e =
      cudaGetDriverEntryPointByVersion(symbol, &p, CUDA_VERSION, cudaEnableDefault, &found);
  if (e != cudaSuccess) return e;
  if (found != cudaDriverEntryPointSuccess || p == nullptr) return cudaErrorSymbolNotFound;
  *fn = reinterpret_cast<Fn>(p);
  return cudaSuccess;
}

const Driver& GetDriver() {
  static Driver driver;
  static std::once_flag once;
  std::call_once(once, [] {
    cudaError_t e = cudaSuccess;
    for (cudaError_t r : {Lookup("cuCtxGetCurrent", &driver.ctx_get_current),
                          Lookup("cuModuleLoadData", &driver.module_load_data),
                          Lookup("cuModuleGetFunction", &driver.module_get_function),
                          Lookup("cuModuleUnload", &driver.module_unload),
                          Lookup("cuLaunchKernel", &driver.launch_kernel),
                          Lookup("cuFuncGetAttribute", &driver.func_get_attribute)}) {
      if (e == cudaSuccess) e = r;
    }
    driver.status = e;
  });
  return driver;
}

hipError_t FromCu(CUresult r) {
  return static_cast<hipError_t>(static_cast<int>(r));
}

// Module calls need a current context; cudart makes the device's primary context current on
// first use, and cudaFree(nullptr) is the documented way to force that.
hipError_t EnsureContext(const Driver& d) {
  CUcontext ctx = nullptr;
  if (d.ctx_get_current(&ctx) == CUDA_SUCCESS && ctx != nullptr) return hipSuccess;
  return cudaFree(nullptr);
}

int Attribute(cudaDeviceAttr attr, int device) {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, attr, device) != cudaSuccess) return 0;
  return v;
}

}  // namespace

hipError_t hipInit(unsigned /*flags*/) {
  int count = 0;
  return cudaGetDeviceCount(&count);
}

hipError_t hipGetDeviceProperties(hipDeviceProp_t* prop, int device) {
  if (prop == nullptr) return hipErrorInvalidValue;
  cudaDeviceProp p;
  cudaError_t e = cudaGetDeviceProperties(&p, device);
  if (e != cudaSuccess) return e;
  std::memset(prop, 0, sizeof(*prop));
  std::memcpy(prop->name, p.name, sizeof(prop->name));
  prop->name[sizeof(prop->name) - 1] = '\0';
  std::snprintf(prop->gcnArchName, sizeof(prop->gcnArchName), "sm_%d%d", p.major, p.minor);
  prop->totalGlobalMem = p.totalGlobalMem;
  prop->sharedMemPerBlock = p.sharedMemPerBlock;
  prop->totalConstMem = p.totalConstMem;
  prop->maxSharedMemoryPerMultiProcessor = p.sharedMemPerMultiprocessor;
  prop->regsPerBlock = p.regsPerBlock;
  prop->warpSize = p.warpSize;
  prop->maxThreadsPerBlock = p.maxThreadsPerBlock;
  for (int i = 0; i < 3; ++i) {
    prop->maxThreadsDim[i] = p.maxThreadsDim[i];
    prop->maxGridSize[i] = p.maxGridSize[i];
  }
  prop->clockRate = Attribute(cudaDevAttrClockRate, device);
  prop->memoryClockRate = Attribute(cudaDevAttrMemoryClockRate, device);
  prop->memoryBusWidth = p.memoryBusWidth;
  prop->major = p.major;
  prop->minor = p.minor;
  prop->multiProcessorCount = p.multiProcessorCount;
  prop->l2CacheSize = p.l2CacheSize;
  prop->maxThreadsPerMultiProcessor = p.maxThreadsPerMultiProcessor;
  prop->pciBusID = p.pciBusID;
  prop->pciDeviceID = p.pciDeviceID;
  prop->pciDomainID = p.pciDomainID;
  prop->integrated = p.integrated;
  return hipSuccess;
}

hipError_t hipDeviceGetAttribute(int* value, hipDeviceAttribute_t attr, int device) {
  cudaDeviceAttr a;
  switch (attr) {
    case hipDeviceAttributeClockRate:
      a = cudaDevAttrClockRate;
      break;
    case hipDeviceAttributeMemoryClockRate:
      a = cudaDevAttrMemoryClockRate;
      break;
    case hipDeviceAttributeMemoryBusWidth:
      a = cudaDevAttrGlobalMemoryBusWidth;
      break;
    case hipDeviceAttributeL2CacheSize:
      a = cudaDevAttrL2CacheSize;
      break;
    case hipDeviceAttributeMultiprocessorCount:
      a = cudaDevAttrMultiProcessorCount;
      break;
    case hipDeviceAttributeWarpSize:
      a = cudaDevAttrWarpSize;
      break;
    case hipDeviceAttributeMaxThreadsPerBlock:
      a = cudaDevAttrMaxThreadsPerBlock;
      break;
    case hipDeviceAttributeMaxSharedMemoryPerBlock:
      a = cudaDevAttrMaxSharedMemoryPerBlock;
      break;
    case hipDeviceAttributeSharedMemPerBlockOptin:
      a = cudaDevAttrMaxSharedMemoryPerBlockOptin;
      break;
    case hipDeviceAttributeComputeCapabilityMajor:
      a = cudaDevAttrComputeCapabilityMajor;
      break;
    case hipDeviceAttributeComputeCapabilityMinor:
      a = cudaDevAttrComputeCapabilityMinor;
      break;
    default:
      return hipErrorInvalidValue;
  }
  return cudaDeviceGetAttribute(value, a, device);
}

hipError_t hipModuleLoadData(hipModule_t* module, const void* image) {
  const Driver& d = GetDriver();
  if (d.status != cudaSuccess) return d.status;
  hipError_t e = EnsureContext(d);
  if (e != hipSuccess) return e;
  return FromCu(d.module_load_data(module, image));
}

hipError_t hipModuleGetFunction(hipFunction_t* function, hipModule_t module, const char* name) {
  const Driver& d = GetDriver();
  if (d.status != cudaSuccess) return d.status;
  return FromCu(d.module_get_function(function, module, name));
}

hipError_t hipModuleUnload(hipModule_t module) {
  const Driver& d = GetDriver();
  if (d.status != cudaSuccess) return d.status;
  return FromCu(d.module_unload(module));
}

hipError_t hipModuleLaunchKernel(hipFunction_t f, unsigned grid_x, unsigned grid_y, unsigned grid_z,
                                 unsigned block_x, unsigned block_y, unsigned block_z,
                                 unsigned shared_bytes, hipStream_t stream, void** params,
                                 void** extra) {
  const Driver& d = GetDriver();
  if (d.status != cudaSuccess) return d.status;
  return FromCu(d.launch_kernel(f, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes,
                                stream, params, extra));
}

hipError_t hipFuncGetAttribute(int* value, hipFunction_attribute attr, hipFunction_t f) {
  const Driver& d = GetDriver();
  if (d.status != cudaSuccess) return d.status;
  return FromCu(d.func_get_attribute(value, attr, f));
}
