#include "runtime/hip/module.h"

#include "absl/strings/str_cat.h"
#include "runtime/hip/hip_status.h"

namespace rf::hip {

absl::StatusOr<Module> Module::Load(absl::string_view code_object, std::string name) {
  // hipModuleLoadData reads the image in place; a string keeps it contiguous and alive meanwhile.
  std::string image(code_object);
  hipModule_t module = nullptr;
  RF_RETURN_IF_ERROR(WithContext(
      CheckHip(hipModuleLoadData(&module, image.data()), "hipModuleLoadData"),
      absl::StrCat("loading the code object of ", name, " (", image.size(), " bytes)")));
  return Module(module, std::move(name));
}

Module::~Module() {
  if (module_ != nullptr) (void)hipModuleUnload(module_);
}

absl::StatusOr<hipFunction_t> Module::Function(const std::string& kernel) const {
  hipFunction_t f = nullptr;
  RF_RETURN_IF_ERROR(WithContext(
      CheckHip(hipModuleGetFunction(&f, module_, kernel.c_str()), "hipModuleGetFunction"),
      absl::StrCat(name_, ": kernel '", kernel, "'")));
  return f;
}

absl::Status LaunchKernel(hipFunction_t f, Dim3 grid, Dim3 block, unsigned shared_bytes,
                          hipStream_t stream, void** args, absl::string_view kernel_name) {
  return WithContext(CheckHip(hipModuleLaunchKernel(f, grid.x, grid.y, grid.z, block.x, block.y,
                                                    block.z, shared_bytes, stream, args, nullptr),
                              "hipModuleLaunchKernel"),
                     absl::StrCat("launching ", kernel_name, " grid (", grid.x, ",", grid.y, ",",
                                  grid.z, ") block (", block.x, ",", block.y, ",", block.z, ")"));
}

}  // namespace rf::hip
