// Writes the seed corpus of plan_reader_fuzz: small valid plans (a cut-down sample with every
// field filled, one without weights, a cpu plan without kernels, graph or tokenizer, one with an
// extra unknown section) and a few damaged ones that stop at different stages of the reader. Run by
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

// The sample plan cut down (three instructions a program, short graph and tokenizer), so that the
// seeds, and the corpus grown from them, stay small: the decoders' code does not depend on which
// opcodes appear, and only a non-empty weights section is padded to 4 KiB.
Plan Small(uint64_t weight_bytes, const std::string& target = "gfx1100") {
  Plan p = SamplePlan(weight_bytes, target);
  p.prefill.instructions.resize(3);
  p.decode.instructions.resize(3);
  p.graph_text = "%x = input \"tokens\" : T x i32\n";
  p.tokenizer.resize(16);
  p.kernels[0].code_object.resize(24);
  return p;
}

std::vector<uint8_t> Encode(const Plan& plan) {
  auto bytes = internal::EncodePlanFile(plan, SampleWeights(plan.arena.weights));
  if (!bytes.ok()) std::fprintf(stderr, "make_plan_seeds: %s\n", bytes.status().ToString().c_str());
  return bytes.value_or(std::vector<uint8_t>());
}

int Main(const std::string& dir) {
  int failures = 0;
  const std::vector<uint8_t> sample = Encode(Small(64));
  failures += Write(dir, "sample.plan", sample);
  failures += Write(dir, "no_weights.plan", Encode(Small(0)));

  Plan cpu = Small(0, "cpu");
  cpu.kernels.clear();
  cpu.tokenizer.clear();
  cpu.graph_text.clear();
  for (Instruction& ins : cpu.prefill.instructions) ins.kernels.clear();
  for (Instruction& ins : cpu.decode.instructions) ins.kernels.clear();
  failures += Write(dir, "cpu.plan", Encode(cpu));

  // An extra section this reader does not know (skipped), between the others.
  const Plan plan = Small(0);
  const std::vector<uint8_t> meta = internal::EncodeMeta(plan);
  const std::vector<uint8_t> programs = internal::EncodePrograms(plan);
  const std::vector<uint8_t> kernels = internal::EncodeKernels(plan);
  const std::vector<uint8_t> extra(24, 0x5a);
  const std::vector<internal::SectionBytes> sections = {
      {"meta", meta},
      {"graph", {reinterpret_cast<const uint8_t*>(plan.graph_text.data()), plan.graph_text.size()}},
      {"programs", programs},
      {"tokenizer", plan.tokenizer},
      {"later", extra},
      {"kernels", kernels},
      {"weights", {}}};
  auto extra_file = internal::AssembleFile(plan.producer, plan.target, sections);
  failures += extra_file.ok() ? Write(dir, "unknown_section.plan", *extra_file) : 1;

  std::vector<uint8_t> bad = sample;
  bad[8] = 2;  // a newer version
  failures += Write(dir, "newer.plan", bad);
  bad = sample;
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
