// Parse errors name the line and column and say what was expected.
#include "gtest/gtest.h"
#include "ir/parser.h"

namespace rf::ir {
namespace {

std::string ParseError(const std::string& text) {
  auto g = ParseGraph(text, "t.ir");
  if (g.ok()) return "OK";
  return std::string(g.status().message());
}

TEST(IrParserTest, ErrorsNameLineAndColumn) {
  EXPECT_EQ(ParseError("symbol T <= 4\n%x = input \"x\" : T x f32\n%y = silu(%q)\n"),
            "t.ir:3:11: unknown value %q");
  EXPECT_EQ(ParseError("%x = frobnicate(%y)"), "t.ir:1:6: unknown op 'frobnicate'");
  EXPECT_EQ(ParseError("%x = input \"x\" : N x f32"),
            "t.ir:1:18: unknown symbol or element type 'N' (declare symbols with `symbol N <= N`)");
  EXPECT_EQ(ParseError("%x = input \"x\" : 4 x f32\n%x = silu(%x)"),
            "t.ir:2:1: %x is defined twice");
  EXPECT_EQ(ParseError("%x = input \"x\""), "t.ir:1:6: 'input' needs its result type (': TYPE')");
  EXPECT_EQ(ParseError("%x = input \"x\" : 4 f32"),
            "t.ir:1:20: expected 'x' after a dim, found 'f32'");
  EXPECT_EQ(ParseError("%x = input \"x : 4 x f32"), "t.ir:1:12: unterminated string");
  EXPECT_EQ(ParseError("%x = input \"x\" : 4 x f32 $"), "t.ir:1:26: unexpected character '$'");
  EXPECT_EQ(ParseError("%x = input \"x\" : 4 x f32\n%y = rms_norm(%x, %x) {eps = 1e-5, eps = 2.0}"),
            "t.ir:2:36: attribute 'eps' given twice");
  EXPECT_EQ(ParseError("%x = input \"x\" : 4 x f32\n%y = silu(%x) : (4 x f16) -> 4 x f32"),
            "t.ir:2:11: %x has type 4 x f32, the op's type says 4 x f16");
  EXPECT_EQ(ParseError("%a, %b = silu(%a)"), "t.ir:1:10: 'silu' has 1 result(s), 2 named");
  EXPECT_EQ(ParseError("symbol f32 <= 3"), "t.ir:1:8: 'f32' cannot name a symbol");
  EXPECT_EQ(ParseError("symbol T <= 0"), "t.ir:1:13: expected a positive upper bound");
  EXPECT_EQ(ParseError("%x = input \"x\" : 4 x f32 extra"),
            "t.ir:1:26: unexpected 'extra' at the end of the statement");
}

TEST(IrParserTest, CommentsAndBlankLinesAreIgnored) {
  auto g =
      ParseGraph("// header\n\n  %x = input \"x\" : 4 x f32 // trailing\n\noutput \"y\"(%x)\n");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ((*g)->size(), 2u);
}

}  // namespace
}  // namespace rf::ir
