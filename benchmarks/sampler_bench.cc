// Time per token of the sampler on a 152k-entry row (Qwen2.5's vocabulary), for the settings that
// take different paths: greedy, llama.cpp's defaults (top-k 40), no top-k (min-p and top-p over
// the whole row), top-p alone, a plain softmax draw; with and without a repetition penalty over
// 64 tokens. Run as build/benchmarks/sampler_bench.
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "runtime/sampler.h"

namespace rf {
namespace {

constexpr int kVocab = 152064;

// Logits shaped like a language model's: mostly noise around a mean, a few clear candidates.
const std::vector<float>& Row() {
  static const std::vector<float> row = [] {
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal(0.0f, 2.5f);
    std::vector<float> r(kVocab);
    for (float& v : r) v = normal(rng);
    for (int i = 0; i < 8; ++i) r[rng() % kVocab] = 14.0f + float(i);
    return r;
  }();
  return row;
}

const std::vector<int32_t>& History() {
  static const std::vector<int32_t> h = [] {
    std::mt19937_64 rng(2);
    std::vector<int32_t> v;
    for (int i = 0; i < 200; ++i) v.push_back(int32_t(rng() % kVocab));
    return v;
  }();
  return h;
}

void Run(benchmark::State& state, SamplerOptions o) {
  o.repeat_penalty = state.range(0) ? 1.1f : 1.0f;
  Sampler s(o);
  for (auto _ : state) benchmark::DoNotOptimize(s.Sample(Row(), History()));
}

SamplerOptions Greedy() {
  SamplerOptions o;
  o.temperature = 0;
  return o;
}
SamplerOptions Defaults() {
  return SamplerOptions{};
}  // top-k 40, top-p 0.95, min-p 0.05, T 0.8
SamplerOptions NoTopK() {
  SamplerOptions o;
  o.top_k = 0;
  return o;
}
SamplerOptions TopPOnly() {
  SamplerOptions o;
  o.top_k = 0;
  o.min_p = 0;
  return o;
}
SamplerOptions PlainDraw() {
  SamplerOptions o;
  o.top_k = 0;
  o.min_p = 0;
  o.top_p = 1;
  return o;
}

BENCHMARK_CAPTURE(Run, greedy, Greedy())->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Run, defaults_top_k_40, Defaults())
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Run, no_top_k, NoTopK())->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Run, top_p_only, TopPOnly())->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(Run, plain_draw, PlainDraw())->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace rf

BENCHMARK_MAIN();
