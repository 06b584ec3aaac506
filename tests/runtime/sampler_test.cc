// The sampler against a plain reference that follows llama.cpp's chain literally (sort everything,
// then penalties, top-k, top-p, min-p, temperature), on hand-made rows whose answer is known and
// on random 152k-token rows; then the draws themselves against the probabilities.
#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rf {
namespace {

using ::testing::HasSubstr;
using Dist = std::vector<std::pair<int32_t, float>>;

constexpr int kVocab = 152064;  // Qwen2.5's row length

SamplerOptions Off() {  // every filter off, temperature 1
  SamplerOptions o;
  o.temperature = 1.0f;
  o.top_k = 0;
  o.top_p = 1.0f;
  o.min_p = 0.0f;
  o.repeat_penalty = 1.0f;
  return o;
}

// Logits whose softmax is exactly `probs`.
std::vector<float> LogitsOf(const std::vector<double>& probs) {
  std::vector<float> out;
  for (double p : probs) out.push_back(float(std::log(p)));
  return out;
}

std::vector<float> RandomRow(uint64_t seed, int n = kVocab, float scale = 3.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> row(n);
  for (float& v : row) v = normal(rng);
  return row;
}

// llama.cpp's chain, written the slow obvious way.
Dist Reference(std::vector<float> logits, const std::vector<int32_t>& history,
               const SamplerOptions& o) {
  if (o.repeat_penalty != 1.0f && o.repeat_last_n != 0) {
    std::vector<int32_t> recent = history;
    if (o.repeat_last_n > 0 && recent.size() > size_t(o.repeat_last_n)) {
      recent.erase(recent.begin(), recent.end() - o.repeat_last_n);
    }
    std::sort(recent.begin(), recent.end());
    recent.erase(std::unique(recent.begin(), recent.end()), recent.end());
    for (int32_t id : recent) {
      float& l = logits[id];
      l = l <= 0 ? l * o.repeat_penalty : l / o.repeat_penalty;
    }
  }
  std::vector<std::pair<float, int32_t>> c;
  for (size_t i = 0; i < logits.size(); ++i) c.emplace_back(logits[i], int32_t(i));
  std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  if (o.temperature == 0) return {{c[0].second, 1.0f}};
  if (o.top_k > 0 && size_t(o.top_k) < c.size()) c.resize(o.top_k);
  if (o.top_p < 1) {
    double z = 0, mass = 0;
    for (auto& [l, id] : c) z += std::exp(double(l) - c[0].first);
    for (size_t i = 0; i < c.size(); ++i) {
      mass += std::exp(double(c[i].first) - c[0].first) / z;
      if (mass >= o.top_p) {
        c.resize(i + 1);
        break;
      }
    }
  }
  if (o.min_p > 0) {
    const double cut = c[0].first + std::log(double(o.min_p));
    size_t keep = 1;
    while (keep < c.size() && c[keep].first >= cut) ++keep;
    c.resize(keep);
  }
  double z = 0;
  for (auto& [l, id] : c) z += std::exp((double(l) - c[0].first) / o.temperature);
  Dist out;
  for (auto& [l, id] : c) {
    out.emplace_back(id, float(std::exp((double(l) - c[0].first) / o.temperature) / z));
  }
  return out;
}

std::vector<int32_t> Ids(const Dist& d) {
  std::vector<int32_t> ids;
  for (auto& [id, p] : d) ids.push_back(id);
  return ids;
}

void ExpectSameDistribution(const Dist& got, const Dist& want) {
  ASSERT_EQ(Ids(got).size(), Ids(want).size());
  ASSERT_EQ(Ids(got), Ids(want));
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].second, want[i].second, 1e-5 + 1e-4 * want[i].second) << "rank " << i;
  }
}

// ---- options ----

TEST(SamplerOptionsTest, DefaultsAreLlamaCppsAndValid) {
  const SamplerOptions o;
  EXPECT_EQ(o.temperature, 0.8f);
  EXPECT_EQ(o.top_k, 40);
  EXPECT_EQ(o.top_p, 0.95f);
  EXPECT_EQ(o.min_p, 0.05f);
  EXPECT_EQ(o.repeat_penalty, 1.0f);
  EXPECT_EQ(o.repeat_last_n, 64);
  EXPECT_TRUE(ValidateSamplerOptions(o).ok());
  EXPECT_TRUE(ValidateSamplerOptions(Off()).ok());
}

TEST(SamplerOptionsTest, ErrorsNameTheOption) {
  struct Case {
    void (*set)(SamplerOptions&);
    const char* name;
  };
  const Case cases[] = {
      {[](SamplerOptions& o) { o.temperature = -0.1f; }, "temperature"},
      {[](SamplerOptions& o) { o.temperature = NAN; }, "temperature"},
      {[](SamplerOptions& o) { o.temperature = INFINITY; }, "temperature"},
      {[](SamplerOptions& o) { o.top_p = 0.0f; }, "top_p"},
      {[](SamplerOptions& o) { o.top_p = 1.5f; }, "top_p"},
      {[](SamplerOptions& o) { o.top_p = NAN; }, "top_p"},
      {[](SamplerOptions& o) { o.min_p = -0.1f; }, "min_p"},
      {[](SamplerOptions& o) { o.min_p = 2.0f; }, "min_p"},
      {[](SamplerOptions& o) { o.repeat_penalty = 0.0f; }, "repeat_penalty"},
      {[](SamplerOptions& o) { o.repeat_penalty = -1.0f; }, "repeat_penalty"},
      {[](SamplerOptions& o) { o.repeat_penalty = 1e-39f; }, "repeat_penalty"},  // 1/p overflows
      {[](SamplerOptions& o) { o.repeat_last_n = -2; }, "repeat_last_n"},
  };
  for (const Case& c : cases) {
    SamplerOptions o;
    c.set(o);
    const absl::Status s = ValidateSamplerOptions(o);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.name));
    EXPECT_THAT(std::string(s.message()), HasSubstr("expected"));
  }
  SamplerOptions whole_history;
  whole_history.repeat_last_n = -1;
  EXPECT_TRUE(ValidateSamplerOptions(whole_history).ok());
}

// ---- greedy ----

TEST(SamplerTest, GreedyPicksTheArgmax) {
  SamplerOptions o;
  o.temperature = 0;
  Sampler s(o);
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const std::vector<float> row = RandomRow(seed);
    const int32_t want = int32_t(std::max_element(row.begin(), row.end()) - row.begin());
    EXPECT_EQ(s.Sample(row, {}), want);
  }
  // Ties go to the lowest id (as llama.cpp's greedy sampler: the first maximum).
  std::vector<float> tie(1000, 0.0f);
  tie[700] = tie[300] = tie[999] = 5.0f;
  EXPECT_EQ(s.Sample(tie, {}), 300);
  EXPECT_EQ(s.Distribution(tie, {}), (Dist{{300, 1.0f}}));
}

TEST(SamplerTest, TopK1IsGreedyWhateverTheTemperature) {
  for (float t : {0.5f, 1.0f, 5.0f}) {
    SamplerOptions o = Off();
    o.temperature = t;
    o.top_k = 1;
    o.seed = 3;
    Sampler s(o);
    for (uint64_t seed = 0; seed < 10; ++seed) {
      const std::vector<float> row = RandomRow(seed, kVocab, 0.1f);  // a flat row
      EXPECT_EQ(s.Sample(row, {}), std::max_element(row.begin(), row.end()) - row.begin());
    }
  }
}

TEST(SamplerTest, EmptyRowAndNaNs) {
  Sampler s(SamplerOptions{});
  EXPECT_EQ(s.Sample({}, {}), -1);
  std::vector<float> row(100, 1.0f);
  row[7] = 3.0f;
  row[3] = NAN;
  row[50] = NAN;
  SamplerOptions greedy;
  greedy.temperature = 0;
  EXPECT_EQ(Sampler(greedy).Sample(row, {}), 7);
  Sampler any(Off());
  for (int i = 0; i < 200; ++i) {
    const int32_t id = any.Sample(row, {});
    EXPECT_TRUE(id >= 0 && id < 100 && id != 3 && id != 50) << id;
  }
}

// ---- filters, where the answer is known ----

TEST(SamplerTest, TopPKeepsTheShortestPrefixReachingP) {
  const std::vector<float> row = LogitsOf({0.05, 0.5, 0.15, 0.3});  // sorted: 1, 3, 2, 0
  SamplerOptions o = Off();
  o.top_p = 0.75f;  // 0.5 + 0.3 = 0.8 >= 0.75
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})), (std::vector<int32_t>{1, 3}));
  o.top_p = 0.85f;  // needs 0.15 too
  Dist d = Sampler(o).Distribution(row, {});
  EXPECT_EQ(Ids(d), (std::vector<int32_t>{1, 3, 2}));
  EXPECT_NEAR(d[0].second, 0.5 / 0.95, 1e-6);  // renormalized over what is kept
  o.top_p = 0.4f;                              // the best token alone is enough
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})), (std::vector<int32_t>{1}));
}

TEST(SamplerTest, TopPNormalizesOverWhatTopKKept) {
  const std::vector<float> row = LogitsOf({0.4, 0.2, 0.2, 0.1, 0.1});
  SamplerOptions o = Off();
  o.top_p = 0.45f;
  // Over all five tokens, 0.4 < 0.45: two are needed.
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})).size(), 2u);
  // After top-k 3 the best has 0.4 / 0.8 = 0.5 >= 0.45: it alone stays.
  o.top_k = 3;
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})), (std::vector<int32_t>{0}));
}

TEST(SamplerTest, MinPKeepsTokensWithinAFactorOfTheBest) {
  const std::vector<float> row = LogitsOf({0.05, 0.5, 0.15, 0.3});
  SamplerOptions o = Off();
  o.min_p = 0.2f;  // p >= 0.1 stays
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})), (std::vector<int32_t>{1, 3, 2}));
  o.min_p = 0.5f;  // p >= 0.25
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})), (std::vector<int32_t>{1, 3}));
  o.min_p = 1.0f;  // only the best
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})), (std::vector<int32_t>{1}));
}

TEST(SamplerTest, TemperatureReshapesTheKeptTokens) {
  const std::vector<double> p = {0.1, 0.2, 0.3, 0.4};
  const std::vector<float> row = LogitsOf(p);
  for (float t : {0.25f, 0.5f, 1.0f, 2.0f}) {
    SamplerOptions o = Off();
    o.temperature = t;
    Dist d = Sampler(o).Distribution(row, {});
    double z = 0;
    for (double q : p) z += std::pow(q, 1.0 / t);
    ASSERT_EQ(d.size(), 4u);
    for (auto& [id, prob] : d) EXPECT_NEAR(prob, std::pow(p[id], 1.0 / t) / z, 1e-6) << t;
  }
  // Temperature comes after top-p/min-p: a hot temperature cannot bring back a dropped token.
  SamplerOptions o = Off();
  o.min_p = 0.6f;  // p >= 0.24
  o.temperature = 100.0f;
  EXPECT_EQ(Ids(Sampler(o).Distribution(row, {})), (std::vector<int32_t>{3, 2}));
}

TEST(SamplerTest, TopPOnAFlatFullVocabularySortsPastItsFirstGuess) {
  // 1000 equally likely tokens scattered over the row, the rest far below: top-p 0.5 keeps 500
  // of them (ties: the lowest ids), more than the first 256 the sampler sorts.
  std::vector<float> row(kVocab, -40.0f);
  std::vector<int32_t> flat;
  for (int i = 0; i < 1000; ++i) flat.push_back(int32_t((uint64_t(i) * 7919u) % kVocab));
  for (int32_t id : flat) row[id] = 0.0f;
  SamplerOptions o = Off();
  o.top_p = 0.5f;
  Dist d = Sampler(o).Distribution(row, {});
  std::sort(flat.begin(), flat.end());
  flat.resize(500);
  EXPECT_EQ(Ids(d), flat);
}

// ---- everything together on full-size rows, against the reference ----

TEST(SamplerTest, MatchesTheReferenceOnFullSizeRows) {
  std::mt19937_64 rng(42);
  const std::vector<SamplerOptions> settings = [] {
    std::vector<SamplerOptions> v;
    SamplerOptions d;  // llama.cpp's defaults
    v.push_back(d);
    SamplerOptions no_k = d;
    no_k.top_k = 0;
    v.push_back(no_k);
    SamplerOptions only_p = Off();
    only_p.top_p = 0.9f;
    v.push_back(only_p);
    SamplerOptions only_min_p = Off();
    only_min_p.min_p = 0.02f;
    v.push_back(only_min_p);
    SamplerOptions big_k = d;
    big_k.top_k = 1000;
    big_k.repeat_penalty = 1.3f;
    v.push_back(big_k);
    SamplerOptions penalized = d;
    penalized.repeat_penalty = 1.5f;
    penalized.temperature = 1.3f;
    v.push_back(penalized);
    SamplerOptions greedy_penalized = penalized;
    greedy_penalized.temperature = 0;
    v.push_back(greedy_penalized);
    return v;
  }();
  for (size_t si = 0; si < settings.size(); ++si) {
    for (uint64_t seed = 0; seed < 4; ++seed) {
      // Scale 2..5: from flat rows (top-p keeps thousands) to peaked ones (a handful).
      const std::vector<float> row = RandomRow(seed * 31 + si, kVocab, 2.0f + float(seed));
      // History: the current best tokens (so the penalty changes the ranking) and random ones.
      std::vector<int32_t> order(kVocab);
      for (int i = 0; i < kVocab; ++i) order[i] = i;
      std::partial_sort(order.begin(), order.begin() + 30, order.end(),
                        [&](int a, int b) { return row[a] > row[b]; });
      std::vector<int32_t> history(order.begin(), order.begin() + 30);
      for (int i = 0; i < 50; ++i) history.push_back(int32_t(rng() % kVocab));
      SCOPED_TRACE(testing::Message() << "setting " << si << " row " << seed);
      ExpectSameDistribution(Sampler(settings[si]).Distribution(row, history),
                             Reference(row, history, settings[si]));
    }
  }
}

// ---- penalties ----

TEST(SamplerTest, RepeatPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplerOptions o;
  o.temperature = 0;
  o.repeat_penalty = 1.1f;
  std::vector<float> row(10, -5.0f);
  row[5] = 2.0f;  // 2.0 / 1.1 = 1.82 < 1.9
  row[3] = 1.9f;
  EXPECT_EQ(Sampler(o).Sample(row, std::vector<int32_t>{9, 5}), 3);
  EXPECT_EQ(Sampler(o).Sample(row, std::vector<int32_t>{9}), 5);

  // Probabilities: logits 1 and -1 of recently seen tokens become 1/2 and -2.
  SamplerOptions soft = Off();
  soft.repeat_penalty = 2.0f;
  const std::vector<float> pair = {1.0f, -1.0f, 0.0f};
  const Dist d = Sampler(soft).Distribution(pair, std::vector<int32_t>{0, 1, 1, 0});
  const double z = std::exp(0.5) + std::exp(-2.0) + 1.0;
  std::map<int32_t, float> p(d.begin(), d.end());
  EXPECT_NEAR(p[0], std::exp(0.5) / z, 1e-6);
  EXPECT_NEAR(p[1], std::exp(-2.0) / z, 1e-6);
  EXPECT_NEAR(p[2], 1.0 / z, 1e-6);
}

TEST(SamplerTest, RepeatPenaltyLooksOnlyAtTheLastNTokens) {
  SamplerOptions o;
  o.temperature = 0;
  o.repeat_penalty = 2.0f;
  o.repeat_last_n = 3;
  std::vector<float> row(10, 0.0f);
  row[5] = 2.0f;
  row[3] = 1.5f;
  const std::vector<int32_t> old = {5, 1, 2, 4};  // 5 is four tokens back
  EXPECT_EQ(Sampler(o).Sample(row, old), 5);
  const std::vector<int32_t> recent = {1, 2, 5, 4};
  EXPECT_EQ(Sampler(o).Sample(row, recent), 3);
  o.repeat_last_n = 0;  // off
  EXPECT_EQ(Sampler(o).Sample(row, recent), 5);
  o.repeat_last_n = -1;  // the whole history
  EXPECT_EQ(Sampler(o).Sample(row, old), 3);
  o.repeat_last_n = 64;  // ids outside the row are ignored
  EXPECT_EQ(Sampler(o).Sample(row, std::vector<int32_t>{-1, 10, 1 << 30}), 5);
}

// ---- draws ----

// Over N draws a token of probability p appears N*p times, give or take sqrt(N p (1 - p)); with a
// fixed seed the test is deterministic, and a 5-sigma bound would fail by chance once in ~2
// million seeds, while a sampler that misweights a token by 1% of the mass fails it for sure.
void ExpectFrequencies(Sampler& s, const std::vector<float>& row, const Dist& expected, int draws) {
  std::map<int32_t, int> count;
  for (int i = 0; i < draws; ++i) ++count[s.Sample(row, {})];
  std::map<int32_t, double> p;
  for (auto& [id, q] : expected) p[id] = q;
  for (auto& [id, n] : count) EXPECT_TRUE(p.count(id)) << "drew id " << id << ", never allowed";
  for (auto& [id, q] : p) {
    const double sigma = std::sqrt(q * (1 - q) / draws);
    EXPECT_NEAR(double(count[id]) / draws, q, 5 * sigma + 1e-12) << "id " << id;
  }
}

TEST(SamplerTest, DrawFrequenciesMatchTheProbabilities) {
  const std::vector<double> p = {0.4, 0.3, 0.2, 0.1};
  const std::vector<float> row = LogitsOf(p);
  SamplerOptions o = Off();
  o.seed = 1234;
  Sampler s(o);
  ExpectFrequencies(s, row, {{0, 0.4f}, {1, 0.3f}, {2, 0.2f}, {3, 0.1f}}, 200000);

  // With llama.cpp's default chain on a full-size row: top-k 40 and the rest, temperature 0.8.
  SamplerOptions d;
  d.seed = 99;
  Sampler full(d);
  const std::vector<float> big = RandomRow(5, kVocab, 1.5f);
  const Dist expected = Reference(big, {}, d);
  ASSERT_GT(expected.size(), 10u);
  ExpectFrequencies(full, big, expected, 50000);
}

TEST(SamplerTest, SameSeedSameTokensOtherSeedOtherTokens) {
  const std::vector<float> row = RandomRow(8, 5000, 1.0f);
  auto run = [&](uint64_t seed) {
    SamplerOptions o;
    o.seed = seed;
    o.top_k = 0;
    Sampler s(o);
    std::vector<int32_t> out;
    for (int i = 0; i < 200; ++i) out.push_back(s.Sample(row, out));
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
  // The very first draws of nearby seeds differ too (the generator is seeded, not offset).
  int differ = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) differ += run(seed)[0] != run(seed + 1)[0];
  EXPECT_GT(differ, 10);
}

}  // namespace
}  // namespace rf
