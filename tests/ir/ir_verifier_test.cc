// Each op's rule rejects ill-formed ops with a message that shows the op.
#include "gtest/gtest.h"
#include "ir/parser.h"
#include "ir/verifier.h"

namespace rf::ir {
namespace {

std::string VerifyError(const std::string& body) {
  auto g = ParseGraph("symbol T <= 8\nsymbol U <= 8\n" + body, "t.ir");
  if (!g.ok()) return "PARSE: " + std::string(g.status().message());
  absl::Status s = Verify(**g);
  return s.ok() ? "OK" : std::string(s.message());
}

TEST(IrVerifierTest, AcceptsWellFormedOps) {
  EXPECT_EQ(
      VerifyError("%x = input \"x\" : T x 8 x f32\n%w = weight \"w\" : 8 x f32\n"
                  "%n = rms_norm(%x, %w) {eps = 1e-05} : (T x 8 x f32, 8 x f32) -> T x 8 x f32\n"
                  "output \"y\"(%n) : (T x 8 x f32) -> ()"),
      "OK");
}

struct Case {
  const char* ir;
  const char* message;  // a substring of the error
};

class IrVerifierRejects : public ::testing::TestWithParam<Case> {};

TEST_P(IrVerifierRejects, WithMessage) {
  const std::string error = VerifyError(GetParam().ir);
  EXPECT_NE(error.find(GetParam().message), std::string::npos) << error;
  EXPECT_NE(error.find("in: "), std::string::npos) << "no printed op in: " << error;
}

INSTANTIATE_TEST_SUITE_P(
    Ops, IrVerifierRejects,
    ::testing::Values(
        Case{"%x = input \"x\" : T x 8 x f32\n%w = weight \"w\" : 4 x f32\n"
             "%n = rms_norm(%x, %w) {eps = 1e-05} : T x 8 x f32",
             "x's last dim vs the norm weight: 8 vs 4"},
        Case{"%x = input \"x\" : T x 8 x f32\n%w = weight \"w\" : 8 x f32\n"
             "%n = rms_norm(%x, %w) : T x 8 x f32",
             "missing attribute 'eps'"},
        Case{"%x = input \"x\" : T x 8 x f32\n%w = weight \"w\" : 8 x f32\n"
             "%n = rms_norm(%x, %w) {eps = \"small\"} : T x 8 x f32",
             "attribute 'eps': expected float, found string"},
        Case{"%x = input \"x\" : T x 8 x f32\n%w = weight \"w\" : 8 x f32\n"
             "%n = rms_norm(%x, %w) {eps = 2.0} : T x 8 x f32",
             "eps must be in (0, 1)"},
        Case{"%x = input \"x\" : T x 8 x f32\n%w = weight \"w\" : 16 x 4 x q8_0\n"
             "%y = matmul(%x, %w) : T x 16 x f32",
             "x's last dim vs the weight's K: 8 vs 4"},
        Case{"%x = input \"x\" : T x 8 x f32\n%w = weight \"w\" : 16 x 8 x q8_0\n"
             "%y = matmul(%x, %w) : T x 8 x f32",
             "result 0 is declared T x 8 x f32 but the op gives T x 16 x f32"},
        Case{"%x = input \"x\" : T x 8 x f32\n%b = weight \"b\" : 4 x f32\n%y = add(%x, %b) : T x "
             "8 x f32",
             "b's shape must equal T x 8 x f32 or be a suffix of it, has 4 x f32"},
        Case{"%x = input \"x\" : T x 8 x f32\n%y = add(%x, %x)", "result 0 has no type"},
        Case{"%x = input \"x\" : T x 2 x 8 x f32\n%p = input \"p\" : T x i32\n"
             "%y = rope(%x, %p) {n_rot = 8, style = \"gptj\", theta = 10000.0} : T x 2 x 8 x f32",
             "style must be \"norm\" or \"neox\""},
        Case{"%x = input \"x\" : T x 2 x 8 x f32\n%p = input \"p\" : T x i32\n"
             "%y = rope(%x, %p) {n_rot = 10, style = \"norm\", theta = 10000.0} : T x 2 x 8 x f32",
             "n_rot 10 must be even and at most the head dim 8"},
        Case{"%x = input \"x\" : T x 2 x 8 x f32\n%p = input \"p\" : U x i32\n"
             "%y = rope(%x, %p) {n_rot = 8, style = \"norm\", theta = 10000.0} : T x 2 x 8 x f32",
             "x's rows vs positions: T vs U"},
        Case{"%x = input \"x\" : T x 8 x f32\n%y = reshape(%x) : T x 3 x 3 x f32",
             "element counts differ"},
        Case{"%c = state \"k\" : 16 x 2 x 8 x f16\n%x = input \"x\" : T x 3 x 8 x f32\n"
             "%p = input \"p\" : T x i32\n%s = kv_store(%c, %x, %p) : 16 x 2 x 8 x f16",
             "cache heads vs x heads: 2 vs 3"},
        Case{"%c = state \"k\" : 16 x 3 x 8 x f16\n%q = input \"q\" : T x 4 x 8 x f32\n"
             "%p = input \"p\" : T x i32\n%a = attention(%q, %c, %c, %p) {scale = 0.5} : T x 4 x 8 "
             "x f32",
             "must be a multiple of the cache heads"},
        Case{"%c = state \"k\" : T x 2 x 8 x f16", "a state's shape must be constant"},
        Case{"%x = input \"x\" : T x 8 x q8_0", "an input must be i32 or f32"},
        Case{"%x = input \"x\" : T x 8 x f32\n%y = input \"x\" : T x 8 x f32",
             "name \"x\" is used twice"}));

}  // namespace
}  // namespace rf::ir
