// libFuzzer target over the plan reader. Any input must parse or give an error: never crash, hang,
// read out of bounds or allocate without bound.
//
// Each input is parsed twice: as the runtime does (checksums verified), and with checksum
// verification off (internal::PlanParser, no public option), because a random mutation almost
// always breaks a checksum and would stop there, far from the section decoders. What parses is
// described (describe.cc), its weights are read in full (ASan checks the view), and it is encoded
// again: the writer must accept whatever the reader accepted (they share the checks), and the
// result must parse back to the same sections, byte for byte.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "runtime/plan/describe.h"
#include "runtime/plan/plan.h"
#include "runtime/plan/plan_format.h"
#include "runtime/plan/plan_layout.h"

namespace {

using rf::plan::Plan;
using rf::plan::PlanFile;
namespace internal = rf::plan::internal;

[[noreturn]] void Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "plan_reader_fuzz: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

// The structured sections' bytes: equal bytes mean equal plans, NaN parameters included.
bool SameEncoding(const Plan& a, const Plan& b) {
  return internal::EncodeMeta(a) == internal::EncodeMeta(b) &&
         internal::EncodeKernels(a) == internal::EncodeKernels(b) &&
         internal::EncodePrograms(a) == internal::EncodePrograms(b) &&
         a.graph_text == b.graph_text && a.tokenizer == b.tokenizer && a.target == b.target &&
         a.producer == b.producer;
}

void Exercise(const PlanFile& file) {
  uint64_t sum = rf::plan::DescribePlan(file).size();
  for (uint8_t b : file.weights()) sum += b;
  volatile uint64_t sink = sum;  // keep the reads
  (void)sink;

  auto bytes = internal::EncodePlanFile(file.plan(), file.weights());
  if (!bytes.ok()) Fail("the writer rejects a plan the reader accepted", bytes.status());
  auto again = PlanFile::Parse("again.plan", *bytes);
  if (!again.ok()) Fail("a re-encoded plan does not parse", again.status());
  if (!SameEncoding((*again)->plan(), file.plan())) {
    Fail("a re-encoded plan parses to another plan", absl::OkStatus());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  // Half the inputs are checked against an expected target too (as backends load plans).
  auto checked = PlanFile::Parse("fuzz.plan", bytes, size % 2 ? "gfx1100" : "");
  auto unchecked = internal::PlanParser::Parse("fuzz.plan", bytes, "", {.verify_checksums = false});
  if (checked.ok() && !unchecked.ok())
    Fail("checksums off rejects what checksums on accepts", unchecked.status());
  if (unchecked.ok()) Exercise(**unchecked);
  return 0;
}
