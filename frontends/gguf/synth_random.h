// The random numbers of synthesized weights: xoshiro256** (Blackman & Vigna) seeded through
// splitmix64, and normal deviates by the Box-Muller transform. Each chunk of rows of each tensor
// gets its own stream, seeded from (seed, tensor name, first row), so the values do not depend on
// how many threads produce them.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

#include "absl/strings/string_view.h"

namespace rf::gguf {

inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// FNV-1a: a stable hash of a tensor name.
inline uint64_t HashName(absl::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream, uint64_t position) {
    uint64_t sm = seed ^ SplitMix64(stream) ^ (position * 0xd1342543de82ef95ull);
    for (uint64_t& w : s_) w = SplitMix64(sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Fills out[0..n) with N(mean, std^2) deviates.
  void Normal(float* out, int64_t n, float mean, float std) {
    for (int64_t i = 0; i < n; i += 2) {
      // u1 in (0, 1], u2 in [0, 1): 24 random bits each.
      const float u1 = static_cast<float>((Next() >> 40) + 1) * 0x1.0p-24f;
      const float u2 = static_cast<float>(Next() >> 40) * 0x1.0p-24f;
      const float r = std::sqrt(-2.0f * std::log(u1)) * std;
      const float theta = 2.0f * std::numbers::pi_v<float> * u2;
      out[i] = mean + r * std::cos(theta);
      if (i + 1 < n) out[i + 1] = mean + r * std::sin(theta);
    }
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace rf::gguf
