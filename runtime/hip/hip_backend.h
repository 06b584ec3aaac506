// The hip backend: a plan's arena as ONE device allocation, kernels compiled by hipRTC (NVRTC on
// NVIDIA through the shim) in parallel with an on-disk cache, and the decode step captured once
// as a graph and replayed for every token. Written against the HIP runtime API only.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "runtime/backend.h"
#include "runtime/plan/plan.h"

namespace rf::hip {

struct HipBackendOptions {
  std::string cache_dir;    // "" : KernelCache::DefaultDirectory()
  int compile_threads = 0;  // 0: every hardware thread
  bool use_graph = true;    // capture the decode program once and replay it
  // Time every kernel launch with events (no graph) and print a table per kernel at exit.
  bool profile = false;
};

// True when this build has a HIP backend and a GPU is visible.
bool HipBackendAvailable();

// The target name of GPU 0 ("gfx1100", "sm_90"), or an error when there is none.
absl::StatusOr<std::string> DeviceTarget();

absl::StatusOr<std::unique_ptr<Backend>> CreateHipBackend(
    std::shared_ptr<const plan::PlanFile> plan, const HipBackendOptions& options = {});

}  // namespace rf::hip

namespace rf::hip {

// Device-to-device copy bandwidth of GPU 0 (bytes read plus bytes written per second), measured
// with events over `bytes`-sized copies: the roofline rfbench compares decode against. Makes its
// own two allocations (outside any backend's load).
absl::StatusOr<double> MeasureCopyBandwidth(size_t bytes);

}  // namespace rf::hip
