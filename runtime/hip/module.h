// A loaded code object (hipModuleLoadData) and launching its kernels (hipModuleLaunchKernel).
// The code object comes from KernelCompiler or the kernel cache; kernels are looked up by name.
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/hip/hip_api.h"

namespace rf::hip {

struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
};

class Module {
 public:
  // Loads `code_object` on the current device; `name` is for messages (the kernel or plan name).
  static absl::StatusOr<Module> Load(absl::string_view code_object, std::string name);

  Module(Module&& o) noexcept
      : module_(std::exchange(o.module_, nullptr)), name_(std::move(o.name_)) {}
  Module& operator=(Module&&) = delete;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  ~Module();

  // The kernel `kernel` (an extern "C" name) of this module.
  absl::StatusOr<hipFunction_t> Function(const std::string& kernel) const;

 private:
  Module(hipModule_t module, std::string name) : module_(module), name_(std::move(name)) {}
  hipModule_t module_ = nullptr;
  std::string name_;
};

// Launches `f` with its arguments given as pointers to each argument's value (HIP's kernelParams).
absl::Status LaunchKernel(hipFunction_t f, Dim3 grid, Dim3 block, unsigned shared_bytes,
                          hipStream_t stream, void** args, absl::string_view kernel_name);

}  // namespace rf::hip
