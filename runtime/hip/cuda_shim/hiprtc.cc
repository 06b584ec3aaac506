// hipRTC served by NVRTC (see hiprtc.h for the option translation).
#include "runtime/hip/cuda_shim/hiprtc.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/hip/cuda_shim/hip_runtime_api.h"

struct RfHiprtcProgram {
  nvrtcProgram nvrtc = nullptr;
  std::string shim_log;  // what the shim itself has to say (e.g. why no architecture)
};

namespace {

bool StartsWith(const std::string& s, const char* prefix) {
  return s.compare(0, std::strlen(prefix), prefix) == 0;
}

// "sm_90" from "--offload-arch=sm_90" and its spellings; "" when `option` names no architecture.
std::string ArchOf(const std::string& option) {
  for (const char* prefix : {"--offload-arch=", "--gpu-architecture=", "-arch="}) {
    if (StartsWith(option, prefix)) return option.substr(std::strlen(prefix));
  }
  return "";
}

bool IsDirectory(const char* path) {
  struct stat st;
  return ::stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

// NVRTC dlopens libnvrtc-builtins.so.X.Y by name at its first compile, which fails where the CUDA
// library folder is not in the loader's path (no ld.so.conf entry, no LD_LIBRARY_PATH; seen in a
// Debian 13 chroot). Loading it first from libnvrtc's own folder makes that lookup find it.
void PreloadNvrtcBuiltins() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info;
    int major = 0, minor = 0;
    if (dladdr(reinterpret_cast<void*>(&nvrtcVersion), &info) == 0 || info.dli_fname == nullptr ||
        nvrtcVersion(&major, &minor) != NVRTC_SUCCESS) {
      return;
    }
    std::string dir = info.dli_fname;
    dir = dir.substr(0, dir.rfind('/') + 1);
    std::string builtins =
        dir + "libnvrtc-builtins.so." + std::to_string(major) + "." + std::to_string(minor);
    dlopen(builtins.c_str(), RTLD_NOW | RTLD_GLOBAL);  // on failure NVRTC reports its own error
  });
}

}  // namespace

hiprtcResult hiprtcCreateProgram(hiprtcProgram* program, const char* source, const char* name,
                                 int num_headers, const char* const* headers,
                                 const char* const* include_names) {
  if (program == nullptr) return HIPRTC_ERROR_INVALID_INPUT;
  PreloadNvrtcBuiltins();
  auto* p = new RfHiprtcProgram;
  nvrtcResult r = nvrtcCreateProgram(&p->nvrtc, source, name, num_headers, headers, include_names);
  if (r != NVRTC_SUCCESS) {
    delete p;
    return r;
  }
  *program = p;
  return HIPRTC_SUCCESS;
}

hiprtcResult hiprtcCompileProgram(hiprtcProgram program, int num_options,
                                  const char* const* options) {
  if (program == nullptr) return HIPRTC_ERROR_INVALID_PROGRAM;
  std::vector<std::string> args;
  std::string arch;
  for (int i = 0; i < num_options; ++i) {
    std::string option = options[i];
    if (std::string a = ArchOf(option); !a.empty()) {
      arch = a;
    } else if (option == "-ffast-math") {
      args.push_back("--use_fast_math");
    } else if ((StartsWith(option, "-O") && option.size() == 3) ||
               (StartsWith(option, "-m") && !StartsWith(option, "-maxrregcount"))) {
      // NVRTC optimizes by default and rejects -O3; -m... (but NVRTC's -maxrregcount) are AMDGPU
      // options such as -mcumode or -mwavefrontsize64.
    } else {
      args.push_back(option);
    }
  }
  if (arch.empty()) {
    int device = 0, major = 0, minor = 0;
    cudaError_t e = cudaGetDevice(&device);
    if (e == cudaSuccess)
      e = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
    if (e == cudaSuccess)
      e = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
    if (e != cudaSuccess) {
      program->shim_log = std::string(
                              "hipRTC-to-NVRTC shim: no --offload-arch=sm_XY given and no "
                              "CUDA device to take it from: ") +
                          cudaGetErrorString(e) + "\n";
      return HIPRTC_ERROR_INVALID_OPTION;
    }
    arch = "sm_" + std::to_string(major) + std::to_string(minor);
  }
  if (!StartsWith(arch, "sm_")) {
    program->shim_log = "hipRTC-to-NVRTC shim: architecture '" + arch +
                        "' is not an NVIDIA sm_XY (a code object is a CUBIN; compute_XY gives "
                        "PTX only)\n";
    return HIPRTC_ERROR_INVALID_OPTION;
  }
  args.push_back("--gpu-architecture=" + arch);
#ifdef RF_CUDA_INCLUDE_DIR
  if (IsDirectory(RF_CUDA_INCLUDE_DIR)) args.push_back("--include-path=" RF_CUDA_INCLUDE_DIR);
#endif
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return nvrtcCompileProgram(program->nvrtc, static_cast<int>(argv.size()), argv.data());
}

hiprtcResult hiprtcGetProgramLogSize(hiprtcProgram program, size_t* size) {
  if (program == nullptr || size == nullptr) return HIPRTC_ERROR_INVALID_INPUT;
  size_t n = 0;
  nvrtcResult r = nvrtcGetProgramLogSize(program->nvrtc, &n);  // counts the terminating NUL
  if (r != NVRTC_SUCCESS) return r;
  *size = program->shim_log.size() + (n > 0 ? n : 1);
  return HIPRTC_SUCCESS;
}

hiprtcResult hiprtcGetProgramLog(hiprtcProgram program, char* log) {
  if (program == nullptr || log == nullptr) return HIPRTC_ERROR_INVALID_INPUT;
  std::memcpy(log, program->shim_log.data(), program->shim_log.size());
  char* rest = log + program->shim_log.size();
  size_t n = 0;
  nvrtcResult r = nvrtcGetProgramLogSize(program->nvrtc, &n);
  if (r != NVRTC_SUCCESS) return r;
  if (n == 0) {
    *rest = '\0';
    return HIPRTC_SUCCESS;
  }
  return nvrtcGetProgramLog(program->nvrtc, rest);
}

hiprtcResult hiprtcGetCodeSize(hiprtcProgram program, size_t* size) {
  if (program == nullptr) return HIPRTC_ERROR_INVALID_PROGRAM;
  return nvrtcGetCUBINSize(program->nvrtc, size);
}

hiprtcResult hiprtcGetCode(hiprtcProgram program, char* code) {
  if (program == nullptr) return HIPRTC_ERROR_INVALID_PROGRAM;
  return nvrtcGetCUBIN(program->nvrtc, code);
}

hiprtcResult hiprtcAddNameExpression(hiprtcProgram program, const char* name_expression) {
  if (program == nullptr) return HIPRTC_ERROR_INVALID_PROGRAM;
  return nvrtcAddNameExpression(program->nvrtc, name_expression);
}

hiprtcResult hiprtcGetLoweredName(hiprtcProgram program, const char* name_expression,
                                  const char** lowered_name) {
  if (program == nullptr) return HIPRTC_ERROR_INVALID_PROGRAM;
  return nvrtcGetLoweredName(program->nvrtc, name_expression, lowered_name);
}

hiprtcResult hiprtcDestroyProgram(hiprtcProgram* program) {
  if (program == nullptr || *program == nullptr) return HIPRTC_ERROR_INVALID_INPUT;
  nvrtcResult r = nvrtcDestroyProgram(&(*program)->nvrtc);
  delete *program;
  *program = nullptr;
  return r;
}
