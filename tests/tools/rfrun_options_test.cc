// rfrun's flags, backend choice and statistics, without a model.
#include "tools/rfrun_options.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/rfrun_report.h"

namespace rf::tools {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<RunOptions> Parse(std::vector<std::string> words) {
  std::vector<char*> argv = {const_cast<char*>("rfrun")};
  for (std::string& w : words) argv.push_back(w.data());
  auto args = cli::Args::Parse(int(argv.size()), argv.data(), 1, RunFlags());
  if (!args.ok()) return args.status();
  return ParseRunOptions(*args);
}

TEST(RfrunOptionsTest, DefaultsAreLlamaCpps) {
  auto o = Parse({"m.plan", "--prompt", "Once upon a time"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->plan_path, "m.plan");
  EXPECT_EQ(o->prompt, "Once upon a time");
  EXPECT_EQ(o->generate.max_tokens, 128);
  const SamplerOptions defaults;
  EXPECT_EQ(o->generate.sampler.temperature, defaults.temperature);
  EXPECT_EQ(o->generate.sampler.top_k, defaults.top_k);
  EXPECT_EQ(o->generate.sampler.top_p, defaults.top_p);
  EXPECT_EQ(o->generate.sampler.min_p, defaults.min_p);
  EXPECT_EQ(o->generate.sampler.repeat_penalty, 1.0f);
  EXPECT_FALSE(o->seed_given);
  EXPECT_FALSE(o->print_ids);
  EXPECT_EQ(o->backend, "");
  EXPECT_EQ(o->threads, 0);
  // The seed is random: two runs get different ones (a 2^-64 chance of failing).
  auto again = Parse({"m.plan", "--prompt", "x"});
  EXPECT_NE(o->generate.sampler.seed, again->generate.sampler.seed);
  auto minus_one = Parse({"m.plan", "--prompt", "x", "--seed", "-1"});
  ASSERT_TRUE(minus_one.ok());
  EXPECT_FALSE(minus_one->seed_given);
}

TEST(RfrunOptionsTest, EveryFlag) {
  auto o = Parse({"--prompt=hi",
                  "m.plan",
                  "--max-tokens",
                  "7",
                  "--temperature",
                  "0",
                  "--top-k",
                  "5",
                  "--top-p",
                  "0.5",
                  "--min-p",
                  "0.1",
                  "--repeat-penalty",
                  "1.3",
                  "--repeat-last-n",
                  "-1",
                  "--seed",
                  "18446744073709551615",
                  "--ids",
                  "--backend",
                  "cpu",
                  "--threads",
                  "3"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->prompt, "hi");
  EXPECT_EQ(o->generate.max_tokens, 7);
  EXPECT_EQ(o->generate.sampler.temperature, 0.0f);
  EXPECT_EQ(o->generate.sampler.top_k, 5);
  EXPECT_EQ(o->generate.sampler.top_p, 0.5f);
  EXPECT_EQ(o->generate.sampler.min_p, 0.1f);
  EXPECT_EQ(o->generate.sampler.repeat_penalty, 1.3f);
  EXPECT_EQ(o->generate.sampler.repeat_last_n, -1);
  EXPECT_EQ(o->generate.sampler.seed, 18446744073709551615ull);
  EXPECT_TRUE(o->seed_given);
  EXPECT_TRUE(o->print_ids);
  EXPECT_EQ(o->backend, "cpu");
  EXPECT_EQ(o->threads, 3);
  EXPECT_EQ(Parse({"m.plan", "--prompt", "x", "--max-tokens", "-1"})->generate.max_tokens, -1);
}

TEST(RfrunOptionsTest, ErrorsNameTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--temperature", "-1"}, "--temperature -1"},
      {{"--temperature", "nan"}, "--temperature"},
      {{"--temperature", "warm"}, "--temperature"},
      {{"--top-p", "0"}, "--top-p 0"},
      {{"--top-p", "1.5"}, "--top-p 1.5"},
      {{"--min-p", "2"}, "--min-p 2"},
      {{"--repeat-penalty", "0"}, "--repeat-penalty 0"},
      {{"--repeat-last-n", "-2"}, "--repeat-last-n -2"},
      {{"--max-tokens", "-2"}, "--max-tokens -2"},
      {{"--max-tokens", "ten"}, "--max-tokens"},
      {{"--top-k", "4.5"}, "--top-k"},
      {{"--seed", "abc"}, "--seed"},
      {{"--seed", "-5"}, "--seed"},
      {{"--threads", "-1"}, "--threads -1"},
      {{"--frobnicate"}, "--frobnicate"},
  };
  for (const auto& [extra, want] : cases) {
    std::vector<std::string> words = {"m.plan", "--prompt", "x"};
    words.insert(words.end(), extra.begin(), extra.end());
    auto o = Parse(words);
    ASSERT_FALSE(o.ok()) << want;
    EXPECT_THAT(std::string(o.status().message()), HasSubstr(want));
  }
  EXPECT_THAT(std::string(Parse({"m.plan"}).status().message()), HasSubstr("--prompt"));
  EXPECT_THAT(std::string(Parse({"--prompt", "x"}).status().message()),
              HasSubstr("rfc compile MODEL.gguf -o MODEL.plan"));
  EXPECT_THAT(std::string(Parse({"m.plan", "--prompt", "Once", "upon"}).status().message()),
              HasSubstr("quote a prompt"));
}

TEST(RfrunOptionsTest, ChoosesTheBackend) {
  // Asked for cpu: cpu, whatever is there (the backend then checks the plan's target).
  for (const char* target : {"cpu", "gfx1100"}) {
    EXPECT_EQ(ChooseBackend("cpu", true, true, target)->kind, BackendKind::kCpu);
    EXPECT_EQ(ChooseBackend("cpu", true, true, target)->notice, "");
  }
  // Asked for hip: hip, or an error that says why and what to do.
  EXPECT_EQ(ChooseBackend("hip", true, true, "sm_90")->kind, BackendKind::kHip);
  auto not_built = ChooseBackend("hip", false, false, "sm_90");
  ASSERT_FALSE(not_built.ok());
  EXPECT_THAT(std::string(not_built.status().message()), HasSubstr("built without the hip"));
  EXPECT_THAT(std::string(not_built.status().message()), HasSubstr("--backend cpu"));
  auto no_gpu = ChooseBackend("hip", true, false, "sm_90");
  ASSERT_FALSE(no_gpu.ok());
  EXPECT_THAT(std::string(no_gpu.status().message()), HasSubstr("no usable GPU"));
  EXPECT_THAT(std::string(ChooseBackend("cuda", true, true, "cpu").status().message()),
              HasSubstr("--backend 'cuda' is not a backend"));

  // Not given, a GPU plan: hip when built and a GPU is present, else an error saying how to get a
  // plan the CPU runs.
  EXPECT_EQ(ChooseBackend("", true, true, "gfx1100")->kind, BackendKind::kHip);
  EXPECT_EQ(ChooseBackend("", true, true, "gfx1100")->notice, "");
  for (bool built : {false, true}) {
    auto c = ChooseBackend("", built, false, "gfx1100");
    ASSERT_FALSE(c.ok());
    EXPECT_THAT(std::string(c.status().message()),
                HasSubstr("the plan is compiled for target gfx1100 (a GPU), but "));
    EXPECT_THAT(std::string(c.status().message()), HasSubstr("--target cpu"));
  }
  // Not given, a cpu plan: cpu, with a one-line notice saying why.
  const std::pair<bool, bool> machines[] = {{false, false}, {true, false}, {true, true}};
  const char* reasons[] = {"this build has no GPU backend", "no usable GPU was found",
                           "the plan is compiled for target cpu"};
  for (int i = 0; i < 3; ++i) {
    auto c = ChooseBackend("", machines[i].first, machines[i].second, "cpu");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->kind, BackendKind::kCpu);
    EXPECT_THAT(c->notice, HasSubstr("running on the CPU"));
    EXPECT_THAT(c->notice, HasSubstr(reasons[i]));
    EXPECT_EQ(c->notice.find('\n'), std::string::npos);
  }
}

TEST(RfrunReportTest, SaysWhatTheRunCost) {
  RunReport r;
  r.backend_name = "cpu (2 threads)";
  r.plan_ms = 0.5;
  r.tokenizer_ms = 0.25;
  r.load.upload_ms = 3.5;
  r.load.device_allocations = 1;
  r.load.arena_bytes = 3 << 20;
  r.load_ms = 6.0;
  r.max_context = 512;
  r.seed = 42;
  GenerateResult g;
  g.prompt_ids.assign(10, 1);
  g.generated_ids.assign(100, 2);
  g.prefill_ms = 2.0;    // 10 tokens: 5,000 tok/s
  g.decode_ms = 12.375;  // 99 steps: 8,000 tok/s
  g.decode_steps = 99;
  g.stop = StopReason::kMaxTokens;
  const std::string text = FormatRunReport(r, g);
  EXPECT_THAT(text, HasSubstr("load:     6.0 ms: plan 0.5, tokenizer 0.2, upload 3.5, kernels 0.0 "
                              "(0 compiled, 0 cached); 1 device allocation, arena 3.00 MiB\n"));
  EXPECT_THAT(text, HasSubstr("prompt:   10 tokens, prefill 2.0 ms, 5,000 tok/s"));
  EXPECT_THAT(text, HasSubstr("generate: 100 tokens, decode 12.4 ms over 99 steps, 8,000 tok/s"));
  EXPECT_THAT(text, HasSubstr("stop:     max tokens"));
  EXPECT_THAT(text, HasSubstr("seed 42 (random; --seed repeats it)"));
  EXPECT_EQ(text.find("context is full"), std::string::npos);

  r.greedy = true;
  r.load.device_allocations = 3;
  r.load.read_ms = 1.5;  // a backend that reads the weights itself says so
  g.stop = StopReason::kContextFull;
  const std::string full = FormatRunReport(r, g);
  EXPECT_THAT(full, HasSubstr("tokenizer 0.2, read 1.5, upload 3.5"));
  EXPECT_THAT(full, HasSubstr("3 device allocations"));
  EXPECT_THAT(full, HasSubstr("greedy"));
  EXPECT_THAT(full, HasSubstr("stop:     context full"));
  EXPECT_THAT(full, HasSubstr("the context is full: the plan holds 512 positions"));
  EXPECT_THAT(full, HasSubstr("larger --max-context"));
}

}  // namespace
}  // namespace rf::tools
