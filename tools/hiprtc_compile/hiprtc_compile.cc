// rf-hiprtc-compile: compiles one kernel source with hipRTC and writes the code object.
//
//   rf-hiprtc-compile [--name NAME] [--version] [hipRTC options...] < kernel.hip > kernel.co
//
// Why a separate program: it is built INSIDE the Debian 13 chroot (scripts/setup-gfx1100-chroot.sh)
// against HIP 5.7.1, whose hipRTC knows gfx1100, while the project itself builds against Debian
// 12's HIP 5.2.3, whose hipRTC aborts on gfx11 (../../../shared/TOOLCHAIN.md). Source in on stdin,
// code object out on stdout, so nothing has to be copied into the chroot. It depends on hiprtc.h
// only (no Abseil, no project code) so that the chroot needs nothing but libamdhip64-dev and g++.
// Exit status: 0 compiled, 1 compile error (log on stderr), 2 usage or hipRTC API error.
#include <hip/hiprtc.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

bool Check(hiprtcResult result, const char* what) {
  if (result == HIPRTC_SUCCESS) return true;
  std::fprintf(stderr, "rf-hiprtc-compile: %s: %s\n", what, hiprtcGetErrorString(result));
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "kernel.hip";
  std::vector<const char*> options;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--version") == 0) {
      int major = 0, minor = 0;
      if (!Check(hiprtcVersion(&major, &minor), "hiprtcVersion")) return 2;
      std::printf("hiprtc %d.%d\n", major, minor);
      return 0;
    }
    if (std::strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
      name = argv[++i];
      continue;
    }
    options.push_back(argv[i]);
  }
  std::string source{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};

  hiprtcProgram program;
  if (!Check(hiprtcCreateProgram(&program, source.c_str(), name.c_str(), 0, nullptr, nullptr),
             "hiprtcCreateProgram")) {
    return 2;
  }
  hiprtcResult compiled =
      hiprtcCompileProgram(program, static_cast<int>(options.size()), options.data());
  size_t log_size = 0;
  if (hiprtcGetProgramLogSize(program, &log_size) == HIPRTC_SUCCESS && log_size > 1) {
    std::string log(log_size, '\0');
    if (hiprtcGetProgramLog(program, log.data()) == HIPRTC_SUCCESS) {
      std::fprintf(stderr, "%s: compiler log:\n%s\n", name.c_str(), log.c_str());
    }
  }
  if (compiled != HIPRTC_SUCCESS) {
    std::fprintf(stderr, "%s: hiprtcCompileProgram: %s\n", name.c_str(),
                 hiprtcGetErrorString(compiled));
    hiprtcDestroyProgram(&program);
    return 1;
  }
  size_t code_size = 0;
  if (!Check(hiprtcGetCodeSize(program, &code_size), "hiprtcGetCodeSize")) return 2;
  std::vector<char> code(code_size);
  if (!Check(hiprtcGetCode(program, code.data()), "hiprtcGetCode")) return 2;
  hiprtcDestroyProgram(&program);
  if (std::fwrite(code.data(), 1, code.size(), stdout) != code.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "rf-hiprtc-compile: cannot write the code object to stdout\n");
    return 2;
  }
  return 0;
}
