#include "support/subprocess.h"

#include <string>

#include "gtest/gtest.h"

namespace rf {
namespace {

TEST(SubprocessTest, FeedsStdinAndCollectsBothOutputs) {
  auto r = RunProcess({"sh", "-c", "cat; echo oops >&2; exit 3"}, "hello");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "hello");
  EXPECT_EQ(r->err, "oops\n");
}

TEST(SubprocessTest, LargeInputAndOutputDoNotDeadlock) {
  const std::string big(4 << 20, 'x');  // far more than a pipe buffer, both ways
  auto r = RunProcess({"cat"}, big);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.size(), big.size());
}

TEST(SubprocessTest, ChildThatIgnoresItsInputIsFine) {
  auto r = RunProcess({"true"}, std::string(1 << 20, 'x'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->exit_code, 0);
}

TEST(SubprocessTest, MissingProgramIsAnError) {
  auto r = RunProcess({"/nonexistent/rf-no-such-tool"});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("rf-no-such-tool"), absl::string_view::npos);
}

TEST(SubprocessTest, FindExecutable) {
  EXPECT_EQ(FindExecutable({"", "/nonexistent/x", "sh"}).substr(0, 1), "/");
  EXPECT_EQ(FindExecutable({"/nonexistent/x"}), "");
}

}  // namespace
}  // namespace rf
