// The cpu backend runs a plan on one arena at the planned offsets; its logits must equal the
// reference evaluator's (the same CPU op code, so bit for bit) with every fusion on and with each
// one off, and a broken memory plan must visibly change them.
#include "runtime/cpu/cpu_backend.h"

#include <set>

#include "compiler/driver.h"
#include "compiler/plan_builder.h"
#include "compiler/reference_evaluator.h"
#include "gtest/gtest.h"
#include "passes/memory_plan.h"
#include "passes/registry.h"
#include "tests/oracle_run.h"
#include "tests/test_util.h"

namespace rf {
namespace {

constexpr int kSteps = 12;
const std::vector<int32_t> kPrompt = {1, 403, 407, 261, 378};  // "Once upon a time"

compiler::Compilation Compile(const std::set<std::string>& disabled) {
  compiler::CompileOptions options;
  options.lower.max_context = 64;
  options.lower.max_batch = 16;
  options.pass_manager.verify_each = true;
  options.pass_manager.disabled = disabled;
  auto c = compiler::CompileToIr(testing::ModelPath("stories260K.gguf"), options);
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

std::shared_ptr<const plan::PlanFile> WriteAndOpen(const plan::Plan& p,
                                                   const std::vector<uint8_t>& weights) {
  const std::string path = testing::TempDir() + "/m.plan";
  absl::Status s = plan::WritePlan(path, p, weights);
  EXPECT_TRUE(s.ok()) << s;
  auto file = plan::PlanFile::Open(path, "cpu");
  EXPECT_TRUE(file.ok()) << file.status();
  return std::shared_ptr<const plan::PlanFile>(*std::move(file));
}

// Logits rows of the prompt and kSteps greedy steps, from the backend.
std::vector<std::vector<float>> RunBackend(Backend& backend) {
  std::vector<std::vector<float>> rows;
  auto logits = backend.Step(kPrompt, 0);
  EXPECT_TRUE(logits.ok()) << logits.status();
  rows.emplace_back(logits->begin(), logits->end());
  for (int s = 0; s < kSteps; ++s) {
    const int32_t next = testing::ArgMax(rows.back());
    logits = backend.Step(std::vector<int32_t>{next}, static_cast<int64_t>(kPrompt.size()) + s);
    EXPECT_TRUE(logits.ok()) << logits.status();
    rows.emplace_back(logits->begin(), logits->end());
  }
  return rows;
}

// The same, from the reference evaluator over the compiled graph.
std::vector<std::vector<float>> RunEvaluator(const compiler::Compilation& c) {
  auto ev = compiler::ReferenceEvaluator::Create(*c.graph, *c.model);
  EXPECT_TRUE(ev.ok()) << ev.status();
  std::vector<std::vector<float>> rows;
  std::vector<int32_t> tokens = kPrompt, positions = {0, 1, 2, 3, 4};
  for (int s = 0; s <= kSteps; ++s) {
    auto out = (*ev)->Run(tokens, positions);
    EXPECT_TRUE(out.ok()) << out.status();
    rows.push_back(out->at("logits"));
    tokens = {testing::ArgMax(rows.back())};
    positions = {static_cast<int32_t>(kPrompt.size()) + s};
  }
  return rows;
}

std::unique_ptr<Backend> BackendFor(const compiler::Compilation& c) {
  auto p = compiler::BuildPlan(*c.graph, *c.model, "cpu");
  EXPECT_TRUE(p.ok()) << p.status();
  auto weights = compiler::BuildWeightsRegion(*c.graph, *c.model);
  EXPECT_TRUE(weights.ok());
  auto backend = cpu::CreateCpuBackend(WriteAndOpen(*p, *weights), 2);
  EXPECT_TRUE(backend.ok()) << backend.status();
  return *std::move(backend);
}

TEST(CpuBackendTest, LogitsEqualTheReferenceEvaluatorWithEveryFusionOnAndEachOff) {
  std::vector<std::set<std::string>> variants = {{}};
  for (const std::string& pass : passes::DefaultPipeline()) {
    if (pass.rfind("fuse-", 0) == 0 || pass == "hoist-last-token") variants.push_back({pass});
  }
  for (const auto& disabled : variants) {
    compiler::Compilation c = Compile(disabled);
    auto backend = BackendFor(c);
    EXPECT_EQ(RunBackend(*backend), RunEvaluator(c))
        << "with " << (disabled.empty() ? "every fusion on" : *disabled.begin() + " off");
  }
}

TEST(CpuBackendTest, LoadMakesOneArenaAllocation) {
  compiler::Compilation c = Compile({});
  auto backend = BackendFor(c);
  EXPECT_EQ(backend->load_stats().device_allocations, 1);
  EXPECT_EQ(backend->load_stats().arena_bytes, passes::ReportMemory(*c.graph).arena());
}

TEST(CpuBackendTest, BrokenMemoryPlanIsCaughtAndChangesTheOutput) {
  compiler::Compilation c = Compile({});
  // Put one activation on the bytes of another that is live at the same time.
  std::vector<passes::Lifetime> lifetimes = passes::ActivationLifetimes(*c.graph);
  const passes::Lifetime* a = nullptr;
  const passes::Lifetime* b = nullptr;
  for (const auto& x : lifetimes) {
    for (const auto& y : lifetimes) {
      if (&x != &y && x.first < y.first && y.first < x.last && y.bytes <= x.bytes && !a) {
        a = &x;
        b = &y;
      }
    }
  }
  ASSERT_NE(a, nullptr);
  auto good = compiler::BuildPlan(*c.graph, *c.model, "cpu");
  ASSERT_TRUE(good.ok());
  // Move the victim and its views (reshapes of it) onto a's bytes.
  const ir::Placement saved = b->value->placement();
  auto move_victim = [&](ir::Placement to) {
    for (auto& op : c.graph->ops()) {
      for (int i = 0; i < op->num_results(); ++i) {
        if (passes::StorageOf(op->result(i)) == b->value) op->result(i)->set_placement(to);
      }
    }
  };
  move_victim(a->value->placement());
  const absl::Status check = passes::CheckMemoryPlan(*c.graph);
  EXPECT_FALSE(check.ok());
  EXPECT_NE(std::string(check.message()).find("two values live at the same time overlap"),
            std::string::npos)
      << check;
  move_victim(saved);

  // The same overlap in the plan's instructions: the executor's output changes.
  plan::Plan broken = *good;
  const uint64_t from = c.graph->memory().Base(ir::Region::kActivations) + saved.offset;
  const uint64_t to =
      c.graph->memory().Base(ir::Region::kActivations) + a->value->placement().offset;
  int rewritten = 0;
  for (plan::Program* program : {&broken.prefill, &broken.decode}) {
    for (plan::Instruction& in : program->instructions) {
      for (auto* refs : {&in.operands, &in.results}) {
        for (plan::TensorRef& r : *refs) {
          if (r.offset == from) r.offset = to, ++rewritten;
        }
      }
    }
  }
  ASSERT_GT(rewritten, 0);
  auto weights = compiler::BuildWeightsRegion(*c.graph, *c.model);
  auto backend = cpu::CreateCpuBackend(WriteAndOpen(broken, *weights), 2);
  ASSERT_TRUE(backend.ok()) << backend.status();
  EXPECT_NE(RunBackend(**backend), RunEvaluator(c));
}

TEST(CpuBackendTest, BadStepsAreErrors) {
  compiler::Compilation c = Compile({});
  auto backend = BackendFor(c);
  EXPECT_FALSE(backend->Step(std::vector<int32_t>{}, 0).ok());
  EXPECT_FALSE(backend->Step(std::vector<int32_t>{600}, 0).ok());  // vocabulary is 512
  EXPECT_FALSE(backend->Step(std::vector<int32_t>{-1}, 0).ok());
  EXPECT_FALSE(backend->Step(std::vector<int32_t>{1}, 64).ok());     // context is 64
  EXPECT_FALSE(backend->Step(std::vector<int32_t>(17, 1), 0).ok());  // batch is 16
  EXPECT_TRUE(backend->Step(std::vector<int32_t>{1}, 63).ok());
}

TEST(CpuBackendTest, RejectsAPlanForAnotherTarget) {
  compiler::Compilation c = Compile({});
  auto p = compiler::BuildPlan(*c.graph, *c.model, "cpu");
  ASSERT_TRUE(p.ok());
  p->target = "gfx1100";
  auto weights = compiler::BuildWeightsRegion(*c.graph, *c.model);
  const std::string path = testing::TempDir() + "/g.plan";
  ASSERT_TRUE(plan::WritePlan(path, *p, *weights).ok());
  auto file = plan::PlanFile::Open(path);
  ASSERT_TRUE(file.ok());
  auto backend = cpu::CreateCpuBackend(std::shared_ptr<const plan::PlanFile>(*std::move(file)));
  ASSERT_FALSE(backend.ok());
  EXPECT_NE(std::string(backend.status().message()).find("compiled for target gfx1100"),
            std::string::npos);
}

}  // namespace
}  // namespace rf
