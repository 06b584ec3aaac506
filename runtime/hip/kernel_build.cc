#include "runtime/hip/kernel_build.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <span>
#include <thread>

#include "absl/strings/str_cat.h"
#include "support/atomic_file.h"
#include "support/debug.h"

namespace rf::hip {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Writes a failed kernel's source where a person can find it; returns the path or "".
std::string KeepFailedSource(const KernelCache& cache, const KernelSource& kernel,
                             const std::string& key) {
  std::string dir = cache.dir() + "/failed";
  ::mkdir(dir.c_str(), 0755);
  std::string path = absl::StrCat(dir, "/", kernel.name, "-", key.substr(0, 12), ".hip");
  absl::Status s = WriteFileAtomically(
      path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(kernel.source.data()),
                                     kernel.source.size()));
  return s.ok() ? path : "";
}

}  // namespace

absl::StatusOr<std::vector<std::string>> BuildKernels(std::span<const KernelSource> kernels,
                                                      const KernelBuildOptions& options,
                                                      const CompileFunction& compile,
                                                      KernelBuildStats* stats) {
  auto start = std::chrono::steady_clock::now();
  const size_t n = kernels.size();
  std::vector<std::string> keys(n);
  std::vector<absl::StatusOr<std::string>> results(n, absl::UnknownError("not built"));
  std::vector<size_t> to_compile;
  KernelBuildStats local;

  for (size_t i = 0; i < n; ++i) {
    keys[i] = KernelCacheKey(kernels[i].source, options.target);
    if (options.cache == nullptr) {
      to_compile.push_back(i);
      continue;
    }
    absl::StatusOr<std::string> code = options.cache->Load(keys[i]);
    if (code.ok()) {
      results[i] = std::move(code);
      ++local.cached;
      continue;
    }
    if (code.status().code() == absl::StatusCode::kDataLoss) {
      RF_DEBUG_LOG(1, "kernel cache: %s: unusable entry, compiling again: %s", kernels[i].name,
                   code.status().message());
      ++local.rebuilt;
    }
    to_compile.push_back(i);
  }

  // Compile the misses on a small pool: each worker takes the next index until none are left.
  std::vector<double> seconds(n, 0.0);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t j = next++; j < to_compile.size(); j = next++) {
      size_t i = to_compile[j];
      auto t0 = std::chrono::steady_clock::now();
      results[i] = compile(kernels[i]);
      seconds[i] = SecondsSince(t0);
      if (results[i].ok() && options.cache != nullptr) {
        absl::Status stored = options.cache->Store(keys[i], *results[i]);
        if (!stored.ok()) RF_DEBUG_LOG(1, "kernel cache: cannot store: %s", stored.message());
      }
    }
  };
  size_t threads = options.threads > 0 ? static_cast<size_t>(options.threads)
                                       : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, to_compile.size());
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (std::thread& t : pool) t.join();
  }

  std::string errors;
  int failed = 0;
  for (size_t i : to_compile) {
    local.compile_seconds += seconds[i];
    if (results[i].ok()) {
      ++local.compiled;
      RF_DEBUG_LOG(2, "kernel %s: compiled in %.3f s", kernels[i].name, seconds[i]);
      continue;
    }
    ++failed;
    std::string where;
    if (options.cache != nullptr) {
      std::string path = KeepFailedSource(*options.cache, kernels[i], keys[i]);
      if (!path.empty()) where = absl::StrCat(" (source written to ", path, ")");
    }
    absl::StrAppend(&errors, "\n", results[i].status().message(), where);
  }
  local.wall_seconds = SecondsSince(start);
  RF_DEBUG_LOG(1, "kernels for %s: %d from the cache, %d compiled (%d rebuilt) in %.2f s",
               options.target.arch, local.cached, local.compiled, local.rebuilt,
               local.wall_seconds);
  if (stats != nullptr) *stats = local;
  if (failed > 0) {
    return absl::InternalError(absl::StrCat(failed, " of ", n, " kernels failed to compile for ",
                                            options.target.arch, ":", errors));
  }
  std::vector<std::string> codes;
  codes.reserve(n);
  for (auto& r : results) codes.push_back(std::move(*r));
  return codes;
}

}  // namespace rf::hip
