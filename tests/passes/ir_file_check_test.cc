// Runs every tests/passes/*.ir case: the file's `// RUN: ARGS` line gives the `rfc opt` flags
// (the file itself is the input), and its CHECK lines are matched against the output, in the
// manner of LLVM's FileCheck:
//   // CHECK: text        a later output line contains text
//   // CHECK-NEXT: text   the line right after the previous match contains text
//   // CHECK-NOT: text    no line between the previous match and the next one contains text
//   // CHECK-ERROR: text  rfc opt fails and its error output contains text
#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace rf {
namespace {

const std::string kDir = std::string(RF_SOURCE_DIR) + "/tests/passes";

std::vector<std::string> IrFiles() {
  std::vector<std::string> files;
  if (DIR* d = opendir(kDir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (absl::EndsWith(n, ".ir")) files.push_back(n);
    }
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Directive {
  std::string kind;  // CHECK, CHECK-NEXT, CHECK-NOT, CHECK-ERROR
  std::string text;
  int line;
};

class PassIrTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PassIrTest, Matches) {
  const std::string path = kDir + "/" + GetParam();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::string run_args;
  std::vector<Directive> checks;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    absl::string_view l = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&l, "//")) continue;
    l = absl::StripLeadingAsciiWhitespace(l);
    for (const char* kind : {"RUN:", "CHECK-NEXT:", "CHECK-NOT:", "CHECK-ERROR:", "CHECK:"}) {
      if (absl::ConsumePrefix(&l, kind)) {
        std::string text(absl::StripAsciiWhitespace(l));
        std::string k(kind);
        k.pop_back();
        if (k == "RUN") {
          run_args = text;
        } else {
          checks.push_back({k, text, n});
        }
        break;
      }
    }
  }
  ASSERT_FALSE(checks.empty()) << path << " has no CHECK lines";
  const std::string out_file = testing::TempDir() + "/out.txt";
  const std::string err_file = out_file + ".err";
  int code = 0;
  testing::RunCommand(std::string(RF_RFC_PATH) + " opt '" + path + "' " + run_args + " >" +
                          out_file + " 2>" + err_file,
                      &code);
  std::ifstream out_in(out_file), err_in(err_file);
  std::stringstream out_ss, err_ss;
  out_ss << out_in.rdbuf();
  err_ss << err_in.rdbuf();
  const std::string out = err_ss.str() + out_ss.str();  // dumps and timings (stderr) come first
  const bool expects_error = std::any_of(
      checks.begin(), checks.end(), [](const Directive& d) { return d.kind == "CHECK-ERROR"; });
  if (expects_error) {
    ASSERT_NE(code, 0) << "expected rfc opt to fail; output:\n" << out;
  } else {
    ASSERT_EQ(code, 0) << "rfc opt failed:\n" << err_ss.str();
  }
  std::vector<std::string> lines = absl::StrSplit(out, '\n');
  size_t next = 0;  // the first line not yet consumed
  std::vector<const Directive*> pending_not;
  for (const Directive& d : checks) {
    if (d.kind == "CHECK-ERROR") {
      EXPECT_TRUE(absl::StrContains(err_ss.str(), d.text))
          << GetParam() << ":" << d.line << ": error output lacks '" << d.text << "':\n"
          << err_ss.str();
      continue;
    }
    if (d.kind == "CHECK-NOT") {
      pending_not.push_back(&d);
      continue;
    }
    size_t found = lines.size();
    if (d.kind == "CHECK-NEXT") {
      if (next < lines.size() && absl::StrContains(lines[next], d.text)) found = next;
    } else {
      for (size_t i = next; i < lines.size(); ++i) {
        if (absl::StrContains(lines[i], d.text)) {
          found = i;
          break;
        }
      }
    }
    ASSERT_LT(found, lines.size()) << GetParam() << ":" << d.line << ": " << d.kind << ": '"
                                   << d.text << "' not found after line " << next << " of:\n"
                                   << out;
    for (const Directive* n : pending_not) {
      for (size_t i = next; i < found; ++i) {
        EXPECT_FALSE(absl::StrContains(lines[i], n->text))
            << GetParam() << ":" << n->line << ": CHECK-NOT: '" << n->text
            << "' found: " << lines[i];
      }
    }
    pending_not.clear();
    next = found + 1;
  }
  for (const Directive* n : pending_not) {
    for (size_t i = next; i < lines.size(); ++i) {
      EXPECT_FALSE(absl::StrContains(lines[i], n->text))
          << GetParam() << ":" << n->line << ": CHECK-NOT: '" << n->text << "' found: " << lines[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, PassIrTest, ::testing::ValuesIn(IrFiles()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param.substr(0, param.param.size() - 3);
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace rf
