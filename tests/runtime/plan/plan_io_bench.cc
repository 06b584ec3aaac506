// How fast plans are written and opened: `plan_io_bench [MiB=1024] [DIR=/tmp]` writes a plan with
// that many MiB of weights (WritePlan: checksums, write, fsync, rename), then opens it a few times
// (PlanFile::Open: mmap, header and table checks, every section's xxh64, decoding), and times the
// parts on their own for comparison: xxh64 over the weights in memory, and one pass touching every
// page of a fresh mapping. The first open is cold (the file's pages are dropped from the page cache
// with posix_fadvise, which touches no other file): disk read + checks. The later ones are warm:
// the reader alone.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/plan/plan.h"
#include "support/mapped_file.h"
#include "tests/runtime/plan/sample_plan.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void Report(const char* what, uint64_t bytes, double seconds) {
  std::printf("%-34s %8.1f ms  %8.0f MB/s\n", what, seconds * 1e3, bytes / seconds / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const uint64_t bytes = mib << 20;
  const std::string path = dir + "/plan_io_bench.plan";
  const rf::plan::Plan plan = rf::plan::testing::SamplePlan(bytes);
  std::vector<uint8_t> weights(bytes);
  for (uint64_t i = 0; i < bytes; i += 8) weights[i] = static_cast<uint8_t>(i >> 12);
  std::printf("weights: %llu MiB\n", static_cast<unsigned long long>(mib));

  auto start = std::chrono::steady_clock::now();
  volatile uint64_t h = XXH64(weights.data(), weights.size(), 0);
  (void)h;
  Report("xxh64 over memory", bytes, Seconds(start));

  start = std::chrono::steady_clock::now();
  absl::Status s = rf::plan::WritePlan(path, plan, weights);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  Report("WritePlan (incl. fsync)", bytes, Seconds(start));
  weights = {};

  {
    // Cold: drop this file's (clean, fsynced) pages first.
    const int fd = ::open(path.c_str(), O_RDONLY);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
    start = std::chrono::steady_clock::now();
    auto file = rf::plan::PlanFile::Open(path);
    if (!file.ok()) {
      std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
      return 1;
    }
    Report("PlanFile::Open, cold page cache", bytes, Seconds(start));
  }
  for (int round = 0; round < 3; ++round) {
    start = std::chrono::steady_clock::now();
    auto mapping = rf::MappedFile::Open(path);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < mapping->size(); i += 4096) sum += mapping->data()[i];
    volatile uint64_t sink = sum;
    (void)sink;
    Report("mmap + touch every page", bytes, Seconds(start));

    start = std::chrono::steady_clock::now();
    auto file = rf::plan::PlanFile::Open(path);
    if (!file.ok()) {
      std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
      return 1;
    }
    Report("PlanFile::Open, warm", bytes, Seconds(start));
  }
  std::remove(path.c_str());
  return 0;
}
