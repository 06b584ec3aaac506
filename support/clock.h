// Wall-clock intervals for the load and speed statistics the tools print.
#pragma once

#include <chrono>

namespace rf {

// Milliseconds since `start` on the steady clock.
inline double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace rf
