#include "runtime/hip/device.h"

#include "absl/strings/str_cat.h"
#include "runtime/hip/hip_status.h"
#include "support/format.h"

namespace rf::hip {

std::string DeviceInfo::Describe() const {
  return absl::StrCat(name, ": ", arch, ", ", compute_units, " CUs, warp ", warp_size, ", ",
                      HumanBytes(total_memory));
}

int Device::Count() {
  int count = 0;
  if (hipGetDeviceCount(&count) != hipSuccess) {
    (void)hipGetLastError();  // a failed query is "no device", not a sticky error
    return 0;
  }
  return count;
}

absl::StatusOr<Device> Device::Open(int ordinal) {
  int count = 0;
  RF_HIP_RETURN_IF_ERROR(hipGetDeviceCount(&count));
  if (ordinal < 0 || ordinal >= count) {
    return absl::UnavailableError(absl::StrCat("GPU ", ordinal, " requested but ", count,
                                               " HIP device(s) present (", kBackendName, ")"));
  }
  RF_HIP_RETURN_IF_ERROR(hipSetDevice(ordinal));
  hipDeviceProp_t prop;
  RF_HIP_RETURN_IF_ERROR(hipGetDeviceProperties(&prop, ordinal));
  DeviceInfo info;
  info.ordinal = ordinal;
  info.name = prop.name;
  info.arch = prop.gcnArchName;
  info.total_memory = prop.totalGlobalMem;
  info.shared_memory_per_block = prop.sharedMemPerBlock;
  info.compute_units = prop.multiProcessorCount;
  info.warp_size = prop.warpSize;
  info.max_threads_per_block = prop.maxThreadsPerBlock;
  info.l2_cache_bytes = prop.l2CacheSize;
  info.memory_bus_width_bits = prop.memoryBusWidth;
  info.memory_clock_khz = prop.memoryClockRate;
  RF_HIP_RETURN_IF_ERROR(hipRuntimeGetVersion(&info.runtime_version));
  RF_HIP_RETURN_IF_ERROR(hipDriverGetVersion(&info.driver_version));
  return Device(std::move(info));
}

absl::StatusOr<DeviceMemory> Device::QueryMemory() const {
  size_t free = 0, total = 0;
  RF_HIP_RETURN_IF_ERROR(hipMemGetInfo(&free, &total));
  return DeviceMemory{free, total};
}

absl::Status Device::Synchronize() const {
  RF_HIP_RETURN_IF_ERROR(hipDeviceSynchronize());
  return absl::OkStatus();
}

}  // namespace rf::hip
