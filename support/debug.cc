#include "support/debug.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace rf {
namespace {
std::atomic<int> g_level{-1};
std::mutex g_write_mutex;
}  // namespace

int DebugLevel() {
  int level = g_level.load(std::memory_order_relaxed);
  if (level < 0) {
    const char* env = std::getenv("RF_DEBUG");
    level = env != nullptr ? std::atoi(env) : 0;
    if (level < 0) level = 0;
    g_level.store(level, std::memory_order_relaxed);
  }
  return level;
}

void SetDebugLevel(int level) {
  g_level.store(level < 0 ? 0 : level, std::memory_order_relaxed);
}

void DebugWrite(absl::string_view line) {
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fprintf(stderr, "[rf] %.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace rf
