// The sampler chain of llama.cpp's common_sampler with its default order (penalties, top-k, top-p,
// min-p, temperature, dist), written for one row at a time and for large vocabularies:
//
//   logits [n_vocab] --penalties--> (only the <= repeat_last_n recent ids change; kept aside)
//     --top-k--> k best (one pass, a k-entry heap; blocks of 16 below the heap's worst skip at
//     once)
//     --min-p--> logit >= max + log(min_p)       (a threshold: no sort needed)
//     --top-p--> shortest best-first prefix with probability >= top_p (sorting only the
//                logit buckets that can hold it)
//     --temperature--> weights exp((l - max) / T)  --draw--> u in [0, 1) against the running sum
//
// min-p and top-p each keep a best-first prefix, and top-p's probabilities are normalized over
// what top-k kept, so applying the min-p cut before top-p's walk gives llama.cpp's result while
// sorting far fewer tokens.
#include "runtime/sampler.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"

namespace rf {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// a is more likely than b; equal logits order by id, so no result depends on how a sort happens
// to leave ties.
bool Better(const std::pair<float, int32_t>& a, const std::pair<float, int32_t>& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
}

// A NaN logit never wins (and never breaks the orderings the sorts rely on).
float Clean(float v) {
  return std::isnan(v) ? -kInf : v;
}

// llama.cpp's repetition penalty: positive logits shrink, negative ones grow more negative.
float Penalize(float logit, float penalty) {
  return logit <= 0 ? logit * penalty : logit / penalty;
}

// exp(l - max) that stays defined when max is infinite: the best tokens weigh 1.
float Weight(float logit, float max, float inv_temperature) {
  return logit == max ? 1.0f : std::exp((logit - max) * inv_temperature);
}

// Not inlined: inlined, GCC 12 keeps the running maximum in a stack slot (the callers' `max`
// lives there across the expf calls), a store-to-load chain that tripled the no-top-k time.
[[gnu::noinline]] float MaxLogit(const std::vector<std::pair<float, int32_t>>& candidates) {
  float max = -kInf;
  for (const auto& c : candidates) max = c.first > max ? c.first : max;
  return max;
}

absl::Status OutOfRange(absl::string_view name, double value, absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("sampler option ", name, " = ", value, " is out of range: expected ", expected));
}

}  // namespace

absl::Status ValidateSamplerOptions(const SamplerOptions& o) {
  if (!std::isfinite(o.temperature) || o.temperature < 0) {
    return OutOfRange("temperature", o.temperature, "a number >= 0 (0: greedy)");
  }
  if (!std::isfinite(o.top_p) || !(o.top_p > 0 && o.top_p <= 1)) {
    return OutOfRange("top_p", o.top_p, "0 < top_p <= 1 (1: off)");
  }
  if (!std::isfinite(o.min_p) || !(o.min_p >= 0 && o.min_p <= 1)) {
    return OutOfRange("min_p", o.min_p, "0 <= min_p <= 1 (0: off)");
  }
  if (!std::isfinite(o.repeat_penalty) || !(o.repeat_penalty > 0) ||
      !std::isfinite(1.0f / o.repeat_penalty)) {
    return OutOfRange("repeat_penalty", o.repeat_penalty, "a number > 0 (1: off)");
  }
  if (o.repeat_last_n < -1) {
    return OutOfRange("repeat_last_n", o.repeat_last_n,
                      ">= 0 tokens (0: off), or -1 for the whole history");
  }
  return absl::OkStatus();
}

Sampler::Sampler(const SamplerOptions& options) : options_(options), rng_(options.seed) {}

void Sampler::CollectPenalties(std::span<const float> logits, std::span<const int32_t> history) {
  penalized_.clear();
  if (options_.repeat_penalty == 1.0f || options_.repeat_last_n == 0) return;
  size_t window = history.size();
  if (options_.repeat_last_n > 0) window = std::min(window, size_t(options_.repeat_last_n));
  for (int32_t id : history.last(window)) {
    if (id >= 0 && size_t(id) < logits.size()) penalized_.emplace_back(0.0f, id);
  }
  auto by_id = [](const Candidate& a, const Candidate& b) { return a.second < b.second; };
  auto same_id = [](const Candidate& a, const Candidate& b) { return a.second == b.second; };
  std::sort(penalized_.begin(), penalized_.end(), by_id);
  penalized_.erase(std::unique(penalized_.begin(), penalized_.end(), same_id), penalized_.end());
  for (Candidate& c : penalized_)
    c.first = Penalize(Clean(logits[c.second]), options_.repeat_penalty);
}

// The k best tokens, best first. Precondition: k >= 1 and k + penalized_.size() < logits.size().
// Selects k + |recent| tokens by their raw logits, swaps the recent ones' raw values for their
// penalized values, and keeps the best k: the k best non-recent tokens are among the raw top
// k + |recent|, since at most |recent| other tokens can rank above them.
void Sampler::SelectTopK(std::span<const float> logits, size_t k) {
  const size_t n = logits.size();
  const size_t m = k + penalized_.size();
  candidates_.clear();
  size_t i = 0;
  for (; i < m; ++i) candidates_.emplace_back(Clean(logits[i]), int32_t(i));
  // A heap whose front is the worst token kept: a token enters only if it beats that one.
  std::make_heap(candidates_.begin(), candidates_.end(), Better);
  float worst = candidates_.front().first;
  auto offer = [&](size_t j) {
    const float v = logits[j];  // NaN: the comparison is false
    if (!(v > worst)) return;   // ties keep the lower id, which came first
    std::pop_heap(candidates_.begin(), candidates_.end(), Better);
    candidates_.back() = {v, int32_t(j)};
    std::push_heap(candidates_.begin(), candidates_.end(), Better);
    worst = candidates_.front().first;
  };
  constexpr size_t kBlock = 16;
  for (; i + kBlock <= n; i += kBlock) {
    float block_max = -kInf;
    for (size_t j = 0; j < kBlock; ++j) {
      block_max = logits[i + j] > block_max ? logits[i + j] : block_max;
    }
    if (!(block_max > worst)) continue;  // the usual case once the heap holds good tokens
    for (size_t j = 0; j < kBlock; ++j) offer(i + j);
  }
  for (; i < n; ++i) offer(i);

  if (!penalized_.empty()) {
    std::erase_if(candidates_, [&](const Candidate& c) {
      return std::binary_search(
          penalized_.begin(), penalized_.end(), c,
          [](const Candidate& a, const Candidate& b) { return a.second < b.second; });
    });
    candidates_.insert(candidates_.end(), penalized_.begin(), penalized_.end());
  }
  std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), Better);
  candidates_.resize(k);
  sorted_ = true;
}

// Every token, in id order, with the recent ones penalized.
void Sampler::SelectAll(std::span<const float> logits) {
  candidates_.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) candidates_[i] = {Clean(logits[i]), int32_t(i)};
  for (const Candidate& c : penalized_) candidates_[c.second].first = c.first;
  sorted_ = false;
}

void Sampler::ApplyTopPMinP() {
  const bool use_top_p = options_.top_p < 1.0f;
  const bool use_min_p = options_.min_p > 0.0f;
  if ((!use_top_p && !use_min_p) || candidates_.size() <= 1) return;
  const float max = sorted_ ? candidates_[0].first : MaxLogit(candidates_);
  if (!std::isfinite(max)) return;  // a degenerate row: nothing to measure against

  // Top-p's normalizer is over every token top-k kept, including those min-p is about to drop.
  // Without top-k and min-p the whole row is unsorted: its mass also goes into buckets by
  // distance from the best logit, so that only the buckets top-p can reach need sorting. (With
  // min-p, its survivors are usually few enough to sort as they are.)
  const bool bucketize = use_top_p && !use_min_p && !sorted_;
  constexpr int kBuckets = 256;
  constexpr float kBucketsPerLogit = 8;
  auto bucket_of = [max](float logit) {
    const float d = (max - logit) * kBucketsPerLogit;
    return d < kBuckets - 1 ? int(d) : kBuckets - 1;  // -inf: the last bucket
  };
  std::array<double, kBuckets> bucket_mass{};
  double z = 0;
  if (use_top_p) {
    if (bucketize) {
      for (const Candidate& c : candidates_) {
        const double w = std::exp(c.first - max);
        z += w;
        bucket_mass[bucket_of(c.first)] += w;
      }
    } else {
      for (const Candidate& c : candidates_) z += std::exp(c.first - max);
    }
  }
  if (use_min_p) {
    const float cut = max + std::log(options_.min_p);  // p_i >= min_p * p_max
    if (sorted_) {
      auto end = std::partition_point(candidates_.begin(), candidates_.end(),
                                      [cut](const Candidate& c) { return c.first >= cut; });
      candidates_.erase(end, candidates_.end());
    } else {
      std::erase_if(candidates_, [cut](const Candidate& c) { return !(c.first >= cut); });
    }
  }
  if (!use_top_p) return;

  const double target = double(options_.top_p) * z;
  if (bucketize) {
    int last = 0;  // the bucket where the mass reaches top_p, plus one against rounding
    for (double mass = 0; last < kBuckets - 1; ++last) {
      mass += bucket_mass[last];
      if (mass >= target) break;
    }
    last = std::min(last + 1, kBuckets - 1);
    if (last < kBuckets - 1) {
      std::erase_if(candidates_, [=](const Candidate& c) { return bucket_of(c.first) > last; });
    }
  }
  if (!sorted_) {
    std::sort(candidates_.begin(), candidates_.end(), Better);
    sorted_ = true;
  }
  // The shortest best-first prefix whose mass reaches top_p.
  double mass = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    mass += std::exp(candidates_[i].first - max);
    if (mass >= target) {
      candidates_.resize(i + 1);
      return;
    }
  }
  // Rounding kept the mass just short of the target: keep everything.
}

double Sampler::Prepare(std::span<const float> logits, std::span<const int32_t> history) {
  candidates_.clear();
  weights_.clear();
  sorted_ = false;
  const size_t n = logits.size();
  if (n == 0) return 0;
  CollectPenalties(logits, history);

  const bool greedy = options_.temperature == 0.0f;
  size_t k = n;
  if (greedy) {
    k = 1;  // top-k, top-p and min-p all keep the best token, so greedy is top-1
  } else if (options_.top_k > 0) {
    k = std::min(n, size_t(options_.top_k));
  }
  if (k < n && k + penalized_.size() < n) {
    SelectTopK(logits, k);
  } else {
    SelectAll(logits);
    if (k < n) {
      std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), Better);
      candidates_.resize(k);
      sorted_ = true;
    }
  }
  if (greedy) {
    weights_.assign(1, 1.0);
    return 1.0;
  }
  ApplyTopPMinP();

  const float max = sorted_ ? candidates_[0].first : MaxLogit(candidates_);
  const float inv_temperature = 1.0f / options_.temperature;
  weights_.resize(candidates_.size());
  double sum = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    weights_[i] = Weight(candidates_[i].first, max, inv_temperature);
    sum += weights_[i];
  }
  return sum;
}

int32_t Sampler::Sample(std::span<const float> logits, std::span<const int32_t> history) {
  const double sum = Prepare(logits, history);
  if (candidates_.empty()) return -1;
  if (options_.temperature == 0.0f) return candidates_[0].second;
  // One draw per call whatever the candidates, so a seed's sequence never depends on how many
  // tokens the filters kept. 53 random bits: a double in [0, 1), the same on every platform.
  const double u = double(rng_() >> 11) * 0x1.0p-53;
  const double target = u * sum;
  double running = 0;
  size_t last_positive = 0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    if (weights_[i] <= 0) continue;
    running += weights_[i];
    last_positive = i;
    if (running > target) return candidates_[i].second;
  }
  return candidates_[last_positive].second;  // u so close to 1 that rounding ran past the end
}

std::vector<std::pair<int32_t, float>> Sampler::Distribution(std::span<const float> logits,
                                                             std::span<const int32_t> history) {
  const double sum = Prepare(logits, history);
  std::vector<size_t> order(candidates_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (!sorted_) {
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return Better(candidates_[a], candidates_[b]); });
  }
  std::vector<std::pair<int32_t, float>> out;
  for (size_t i : order) out.emplace_back(candidates_[i].second, float(weights_[i] / sum));
  return out;
}

}  // namespace rf
