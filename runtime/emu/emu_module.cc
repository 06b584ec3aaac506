#include "runtime/emu/emu_module.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "codegen/prelude.h"
#include "runtime/hip/kernel_cache.h"
#include "support/debug.h"
#include "support/status.h"
#include "support/subprocess.h"

namespace rf::emu {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kHostAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kHostAsan = true;
#else
constexpr bool kHostAsan = false;
#endif
#else
constexpr bool kHostAsan = false;
#endif

std::vector<std::string> CompileFlags(const EmuBuildOptions& options) {
  std::vector<std::string> flags = {"-std=c++20",           options.opt,         "-fPIC", "-shared",
                                    "-fno-strict-aliasing", "-ffp-contract=off", "-w"};
  if (kHostAsan) {
    for (const char* f : {"-fsanitize=address", "-fno-omit-frame-pointer", "-g"})
      flags.push_back(f);
  }
  return flags;
}

absl::StatusOr<std::string> FindCompiler(const EmuBuildOptions& options) {
  if (!options.compiler.empty()) return options.compiler;
  if (const char* env = std::getenv("RF_EMU_CXX"); env != nullptr && *env != '\0') return env;
  std::string found = FindExecutable({"c++", "g++", "clang++"});
  if (found.empty()) {
    return absl::NotFoundError(
        "the emulator needs a C++ compiler: none of c++, g++, clang++ is in PATH (or set "
        "RF_EMU_CXX)");
  }
  return found;
}

absl::StatusOr<std::string> CompilerVersion(const std::string& compiler) {
  RF_ASSIGN_OR_RETURN(ProcessResult r, RunProcess({compiler, "--version"}));
  if (r.exit_code != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(compiler, " --version failed (exit ", r.exit_code, "): ", r.err));
  }
  return std::string(r.out.substr(0, r.out.find('\n')));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

absl::Status WriteFile(const std::string& path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/rf-emu-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a directory like ", pattern));
  }
  return pattern;
}

}  // namespace

absl::StatusOr<int> KernelWaveSize(absl::string_view source) {
  constexpr absl::string_view kDefine = "#define RF_WAVE_SIZE ";
  const size_t at = source.find(kDefine);
  int wave = 0;
  if (at != absl::string_view::npos) {
    absl::string_view rest = source.substr(at + kDefine.size());
    rest = rest.substr(0, rest.find('\n'));
    if (absl::SimpleAtoi(rest, &wave) && (wave == 32 || wave == 64)) return wave;
  }
  return absl::InvalidArgumentError(
      "the kernel source does not define RF_WAVE_SIZE as 32 or 64 before its prelude");
}

absl::StatusOr<std::string> EmuKernelSource(absl::string_view name, absl::string_view source) {
  RF_ASSIGN_OR_RETURN(codegen::KernelSourceParts parts, codegen::SplitKernelSource(source));
  RF_RETURN_IF_ERROR(KernelWaveSize(parts.defines).status());
  // The #line names the kernel, so that compiler messages and sanitizer reports say which.
  return absl::StrCat(parts.defines, codegen::KernelPrelude(codegen::KernelDialect::kEmu),
                      "#line 1 \"", name, "\"\n", parts.body, "\nRF_EMU_ENTRY(", name, ")\n");
}

absl::StatusOr<std::unique_ptr<EmuModules>> EmuModules::Build(
    std::span<const hip::KernelSource> kernels, const EmuBuildOptions& options,
    hip::KernelBuildStats* stats) {
  RF_ASSIGN_OR_RETURN(std::string compiler, FindCompiler(options));
  RF_ASSIGN_OR_RETURN(std::string version, CompilerVersion(compiler));
  const std::vector<std::string> flags = CompileFlags(options);
  std::unique_ptr<EmuModules> modules(new EmuModules());
  RF_ASSIGN_OR_RETURN(modules->dir_, MakeTempDir());

  std::optional<hip::KernelCache> cache;
  const std::string cache_dir =
      options.cache_dir.empty() ? hip::KernelCache::DefaultDirectory() : options.cache_dir;
  if (cache_dir != "-") {
    if (absl::StatusOr<hip::KernelCache> c = hip::KernelCache::Open(cache_dir); c.ok()) {
      cache.emplace(*std::move(c));
    } else {
      RF_DEBUG_LOG(1, "emu: no kernel cache (%s)", c.status().message());
    }
  }
  hip::KernelBuildOptions build;
  build.target = {absl::StrCat("emu-abi", kEmuAbi), version, flags};
  build.cache = cache ? &*cache : nullptr;
  build.threads = options.threads;
  std::atomic<int> counter{0};
  const std::string dir = modules->dir_;
  auto compile = [&](const hip::KernelSource& k) -> absl::StatusOr<std::string> {
    const std::string out = absl::StrCat(dir, "/build-", counter++, ".so");
    std::vector<std::string> argv = {compiler};
    argv.insert(argv.end(), flags.begin(), flags.end());
    for (const char* a : {"-x", "c++", "-", "-o"}) argv.push_back(a);
    argv.push_back(out);
    RF_ASSIGN_OR_RETURN(ProcessResult r, RunProcess(argv, k.source));
    if (r.exit_code != 0) {
      return absl::InternalError(absl::StrCat("kernel ", k.name, ": ", compiler, " failed (exit ",
                                              r.exit_code, "):\n", r.err));
    }
    absl::StatusOr<std::string> code = ReadFile(out);
    ::unlink(out.c_str());
    return code;
  };
  hip::KernelBuildStats local;
  RF_ASSIGN_OR_RETURN(std::vector<std::string> codes,
                      hip::BuildKernels(kernels, build, compile, &local));
  if (stats != nullptr) *stats = local;

  for (size_t i = 0; i < kernels.size(); ++i) {
    const std::string path = absl::StrCat(dir, "/", i, "-", kernels[i].name, ".so");
    RF_RETURN_IF_ERROR(WriteFile(path, codes[i]));
    modules->files_.push_back(path);
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      return absl::InternalError(
          absl::StrCat("kernel ", kernels[i].name, ": cannot load ", path, ": ", dlerror()));
    }
    modules->handles_.push_back(handle);
    auto abi = reinterpret_cast<EmuQuery>(dlsym(handle, "rf_emu_abi"));
    auto params = reinterpret_cast<EmuQuery>(dlsym(handle, "rf_emu_params"));
    auto entry = reinterpret_cast<EmuEntry>(dlsym(handle, "rf_emu_entry"));
    if (abi == nullptr || params == nullptr || entry == nullptr || abi() != kEmuAbi) {
      return absl::InternalError(
          absl::StrCat("kernel ", kernels[i].name, ": ", path,
                       " lacks the emulator's entry points or was built for another emulator ABI (",
                       kEmuAbi, ")"));
    }
    modules->kernels_.push_back({kernels[i].name, entry, params()});
  }
  RF_DEBUG_LOG(1, "emu: %zu kernels (%d compiled, %d cached) loaded from %s", kernels.size(),
               local.compiled, local.cached, dir);
  return modules;
}

EmuModules::~EmuModules() {
  for (void* h : handles_) dlclose(h);
  for (const std::string& f : files_) ::unlink(f.c_str());
  if (!dir_.empty()) ::rmdir(dir_.c_str());
}

}  // namespace rf::emu
