// The divergence search on two cpu backends of one plan: none where both compute the same, and the
// right instruction, result and element where one of them is made to compute something else (a
// wrapper that adds to one element of one instruction's result as it is read back). With the
// same-inputs mode, a wrong instruction is found but the error it causes downstream is not
// carried on.
#include "runtime/divergence.h"

#include <algorithm>
#include <cstring>

#include "compiler/driver.h"
#include "gtest/gtest.h"
#include "runtime/cpu/cpu_backend.h"
#include "support/status.h"
#include "tests/plan_for.h"
#include "tests/test_util.h"

namespace rf {
namespace {

// A cpu backend whose instruction `bad` of the decode program (or of prefill: `in_prefill`) writes
// `delta` more into element `element` of its first result (the arena itself is changed, so later
// instructions see it).
class SkewedBackend : public Backend {
 public:
  // Adds `delta` to element `element` of result `result` of instruction `bad`.
  SkewedBackend(std::unique_ptr<Backend> inner, const plan::Plan& plan, size_t bad, size_t element,
                float delta, bool in_prefill = false, size_t result = 0)
      : inner_(std::move(inner)),
        plan_(plan),
        bad_(bad),
        element_(element),
        delta_(delta),
        in_prefill_(in_prefill),
        result_(result) {}

  std::string name() const override { return "skewed " + inner_->name(); }
  const LoadStats& load_stats() const override { return inner_->load_stats(); }
  int64_t max_context() const override { return inner_->max_context(); }
  int64_t max_batch() const override { return inner_->max_batch(); }
  int64_t n_vocab() const override { return inner_->n_vocab(); }
  absl::StatusOr<std::span<const float>> Step(std::span<const int32_t> tokens,
                                              int64_t first_position) override {
    return absl::UnimplementedError("not in this test");
  }
  absl::Status RunInstructions(std::span<const int32_t> tokens, int64_t first_position,
                               size_t begin, size_t end) override {
    if ((tokens.size() > 1) != in_prefill_ || bad_ < begin || bad_ >= end) {
      return inner_->RunInstructions(tokens, first_position, begin, end);
    }
    RF_RETURN_IF_ERROR(inner_->RunInstructions(tokens, first_position, begin, bad_ + 1));
    const plan::Program& program = in_prefill_ ? plan_.prefill : plan_.decode;
    const uint64_t at = program.instructions[bad_].results[result_].offset + 4 * element_;
    float v;
    RF_RETURN_IF_ERROR(inner_->ReadArena(at, {reinterpret_cast<uint8_t*>(&v), 4}));
    v += delta_;
    RF_RETURN_IF_ERROR(inner_->WriteArena(at, {reinterpret_cast<const uint8_t*>(&v), 4}));
    return inner_->RunInstructions(tokens, first_position, bad_ + 1, end);
  }
  absl::Status ReadArena(uint64_t offset, std::span<uint8_t> out) override {
    return inner_->ReadArena(offset, out);
  }
  absl::Status WriteArena(uint64_t offset, std::span<const uint8_t> bytes) override {
    return inner_->WriteArena(offset, bytes);
  }

 private:
  std::unique_ptr<Backend> inner_;
  const plan::Plan& plan_;
  size_t bad_, element_;
  float delta_;
  bool in_prefill_;
  size_t result_;
};

class DivergenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    compiler::CompileOptions options;
    options.lower.max_context = 64;
    options.lower.max_batch = 16;
    auto c = compiler::CompileToIr(testing::ModelPath("stories260K.gguf"), options);
    ASSERT_TRUE(c.ok()) << c.status();
    const std::string path = testing::TempDir() + "/m.plan";
    auto r = compiler::EmitPlan(*c, testing::PlanFor("cpu", path));
    ASSERT_TRUE(r.ok()) << r.status();
    auto file = plan::PlanFile::Open(path, "cpu");
    ASSERT_TRUE(file.ok()) << file.status();
    plan_ = *std::move(file);
  }

  std::unique_ptr<Backend> Cpu() {
    auto b = cpu::CreateCpuBackend(plan_, 1);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() ? *std::move(b) : nullptr;
  }

  // Both backends take the prompt (prefill), then the search runs on one decode step.
  absl::StatusOr<Divergence> Search(Backend& test, Backend& ref, const DivergenceOptions& o) {
    const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
    for (Backend* b : {&test, &ref}) {
      RF_RETURN_IF_ERROR(
          b->RunInstructions(prompt, 0, 0, plan_->plan().prefill.instructions.size()));
    }
    return FindDivergence(test, plan_->plan(), ref, plan_->plan(), std::vector<int32_t>{432}, 5, o);
  }

  std::shared_ptr<const plan::PlanFile> plan_;
};

TEST_F(DivergenceTest, NoneBetweenTwoRunsOfOnePlan) {
  auto a = Cpu(), b = Cpu();
  auto d = Search(*a, *b, {.tolerance = 0});
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_FALSE(d->found) << d->ToString();
}

TEST_F(DivergenceTest, FindsTheInstructionResultAndElement) {
  const size_t bad = 4;
  ASSERT_GT(plan_->plan().decode.instructions.size(), bad + 2);
  for (bool same_inputs : {false, true}) {
    SkewedBackend skewed(Cpu(), plan_->plan(), bad, 3, 0.5f);
    auto ref = Cpu();
    auto d = Search(skewed, *ref, {.tolerance = 1e-3, .same_inputs = same_inputs});
    ASSERT_TRUE(d.ok()) << d.status();
    ASSERT_TRUE(d->found);
    EXPECT_EQ(d->program, "decode");
    EXPECT_EQ(d->instruction, bad) << d->ToString();
    EXPECT_EQ(d->result, 0u);
    EXPECT_EQ(d->worst_index, 3);
    EXPECT_NEAR(d->test_value - d->ref_value, 0.5, 1e-6);
    EXPECT_EQ(d->mismatched, 1);
    EXPECT_NE(d->ToString().find(plan::OpcodeName(plan_->plan().decode.instructions[bad].op)),
              std::string::npos)
        << d->ToString();
  }
}

// An error made in prefill reaches the decode step through the KV cache: the search on its own
// inputs finds the first instruction that reads the cache; with the same inputs, none is wrong.
TEST_F(DivergenceTest, SameInputsTellACarriedErrorFromAWrongInstruction) {
  const plan::Program& prefill = plan_->plan().prefill;
  size_t first_attention = 0;
  while (first_attention < prefill.instructions.size() &&
         prefill.instructions[first_attention].op != plan::Opcode::kRopeAttention &&
         prefill.instructions[first_attention].op != plan::Opcode::kAttention) {
    ++first_attention;
  }
  ASSERT_LT(first_attention, prefill.instructions.size());
  ASSERT_EQ(prefill.instructions[first_attention].op, plan::Opcode::kRopeAttention);
  // The instruction (and its result) that makes the values the attention stores into the cache
  // (its operand 2): the v of rms_norm_matmul_qkv where the q, k and v projections are fused.
  const uint64_t v_offset = prefill.instructions[first_attention].operands[2].offset;
  size_t v_producer = 0, v_result = 0;
  for (; v_producer < first_attention; ++v_producer) {
    const std::vector<plan::TensorRef>& results = prefill.instructions[v_producer].results;
    auto it = std::find_if(results.begin(), results.end(),
                           [&](const plan::TensorRef& r) { return r.offset == v_offset; });
    if (it != results.end()) {
      v_result = static_cast<size_t>(it - results.begin());
      break;
    }
  }
  ASSERT_LT(v_producer, first_attention);
  for (bool same_inputs : {false, true}) {
    SkewedBackend skewed(Cpu(), plan_->plan(), v_producer, 3, 0.5f, /*in_prefill=*/true, v_result);
    auto ref = Cpu();
    auto d = Search(skewed, *ref, {.tolerance = 1e-3, .same_inputs = same_inputs});
    ASSERT_TRUE(d.ok()) << d.status();
    if (same_inputs) {
      EXPECT_FALSE(d->found) << d->ToString();
    } else {
      ASSERT_TRUE(d->found);
      const plan::Opcode op = plan_->plan().decode.instructions[d->instruction].op;
      EXPECT_TRUE(op == plan::Opcode::kRopeAttention || op == plan::Opcode::kAttention)
          << d->ToString();
    }
  }
}

TEST_F(DivergenceTest, PlansOfDifferentGraphsAreAnError) {
  auto a = Cpu(), b = Cpu();
  plan::Plan other = plan_->plan();
  other.decode.instructions.pop_back();
  auto d = FindDivergence(*a, plan_->plan(), *b, other, std::vector<int32_t>{1}, 0, {});
  EXPECT_FALSE(d.ok());
}

}  // namespace
}  // namespace rf
