// The GPU the runtime runs on: opened once, its properties read once. Every HIP call's failure
// comes back as a Status naming the call and HIP's error (hip_status.h).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/hip/hip_api.h"

namespace rf::hip {

struct DeviceInfo {
  int ordinal = 0;
  std::string name;  // "AMD Radeon RX 7900 XT", "NVIDIA H100 80GB HBM3"
  std::string arch;  // what hipRTC compiles for: "gfx1100", "gfx90a:sramecc+:xnack-", "sm_90"
  uint64_t total_memory = 0;             // bytes
  uint64_t shared_memory_per_block = 0;  // bytes of LDS / shared memory a block may use
  int compute_units = 0;                 // CUs (AMD) or SMs (NVIDIA)
  int warp_size = 0;                     // 32 (RDNA, NVIDIA) or 64 (CDNA)
  int max_threads_per_block = 0;
  int l2_cache_bytes = 0;
  int memory_bus_width_bits = 0;
  int memory_clock_khz = 0;
  int runtime_version = 0;  // hipRuntimeGetVersion (CUDA: cudaRuntimeGetVersion)
  int driver_version = 0;

  // The architecture without target features: "gfx90a" for "gfx90a:sramecc+:xnack-".
  std::string arch_name() const { return arch.substr(0, arch.find(':')); }
  // Peak memory bandwidth from the clock and bus width (double data rate), bytes/s; 0 if unknown.
  double peak_bandwidth() const {
    return 2.0 * memory_clock_khz * 1e3 * (memory_bus_width_bits / 8.0);
  }
  // "NVIDIA H100 80GB HBM3: sm_90, 132 CUs, warp 32, 79.1 GiB"
  std::string Describe() const;
};

struct DeviceMemory {
  uint64_t free = 0;
  uint64_t total = 0;
};

class Device {
 public:
  // The number of HIP devices; 0 (not an error) when there is no device or no driver.
  static int Count();

  // Makes device `ordinal` current and reads its properties. Unavailable when there is none.
  static absl::StatusOr<Device> Open(int ordinal = 0);

  const DeviceInfo& info() const { return info_; }

  // Free and total device memory now (hipMemGetInfo).
  absl::StatusOr<DeviceMemory> QueryMemory() const;

  // Waits for all work on the device (hipDeviceSynchronize).
  absl::Status Synchronize() const;

 private:
  explicit Device(DeviceInfo info) : info_(std::move(info)) {}
  DeviceInfo info_;
};

}  // namespace rf::hip
