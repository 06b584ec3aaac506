// Writes the seed corpus of plan_reader_fuzz: small valid plans (the sample with every field
// filled, a cpu plan without kernels or tokenizer, one with an extra unknown section, a small one
// without weights) and a few damaged ones that stop at different stages of the reader. Run by
// scripts/fuzz.sh; its output is merged into the committed corpus:
//   build/tests/make_plan_seeds DIR
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/plan/plan_format.h"
#include "runtime/plan/plan_layout.h"
#include "support/atomic_file.h"
#include "tests/runtime/plan/sample_plan.h"

namespace rf::plan::testing {
namespace {

int Write(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  absl::Status s = WriteFileAtomically(dir + "/" + name, bytes);
  if (!s.ok()) std::fprintf(stderr, "make_plan_seeds: %s\n", s.ToString().c_str());
  return s.ok() ? 0 : 1;
}

int Main(const std::string& dir) {
  int failures = 0;
  failures += Write(dir, "sample.plan", SampleFile(1800));

  Plan cpu = SamplePlan(2048, "cpu");
  cpu.kernels.clear();
  cpu.tokenizer.clear();
  for (Instruction& ins : cpu.prefill.instructions) ins.kernels.clear();
  for (Instruction& ins : cpu.decode.instructions) ins.kernels.clear();
  cpu.prefill.instructions.resize(4);
  auto cpu_file = internal::EncodePlanFile(cpu, SampleWeights(2048));
  failures += cpu_file.ok() ? Write(dir, "cpu.plan", *cpu_file) : 1;

  const Plan plan = SamplePlan(1800);
  const std::vector<uint8_t> meta = internal::EncodeMeta(plan);
  const std::vector<uint8_t> programs = internal::EncodePrograms(plan);
  const std::vector<uint8_t> kernels = internal::EncodeKernels(plan);
  const std::vector<uint8_t> weights = SampleWeights(1800);
  const std::vector<uint8_t> extra(24, 0x5a);
  const std::vector<internal::SectionBytes> sections = {
      {"meta", meta},
      {"graph", {reinterpret_cast<const uint8_t*>(plan.graph_text.data()), plan.graph_text.size()}},
      {"programs", programs},
      {"tokenizer", plan.tokenizer},
      {"kernels", kernels},
      {"later", extra},
      {"weights", weights}};
  auto extra_file = internal::AssembleFile(plan.producer, plan.target, sections);
  failures += extra_file.ok() ? Write(dir, "unknown_section.plan", *extra_file) : 1;

  // No weights, two instructions a program, one kernel: a small file for the fuzzer to mutate.
  Plan small = SamplePlan(0);
  small.kernels.resize(1);
  for (Program* p : {&small.prefill, &small.decode}) {
    p->instructions.resize(2);
    for (Instruction& ins : p->instructions) ins.kernels = {0};
  }
  small.graph_text = "%x = input\n";
  small.tokenizer.resize(8);
  auto small_file = internal::EncodePlanFile(small, {});
  failures += small_file.ok() ? Write(dir, "small.plan", *small_file) : 1;

  std::vector<uint8_t> bad = SampleFile(1800);
  bad[8] = 2;  // a newer version
  failures += Write(dir, "newer.plan", bad);
  bad = SampleFile(1800);
  bad.resize(bad.size() / 2);
  failures += Write(dir, "truncated.plan", bad);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace rf::plan::testing

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_plan_seeds DIR\n");
    return 2;
  }
  return rf::plan::testing::Main(argv[1]);
}
