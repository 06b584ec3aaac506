// Helpers shared by the tests: where the bundled models and the llama.cpp oracle are.
#pragma once

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace rf::testing {

// The bundled models folder of the source tree.
inline std::string ModelPath(const std::string& file) {
  return std::string(RF_SOURCE_DIR) + "/models/" + file;
}

// A fresh temporary directory for one test (removed by the OS's tmp cleaning, not by us, so a
// failing test leaves its files to look at).
std::string TempDir();

// The oracle directory (tests/oracle/setup.sh's output), or "" when it is not installed. With
// RF_REQUIRE_ORACLE=1 (CI), a missing oracle fails the test instead of skipping it.
std::string OracleDir();

// The shell prefix that runs the oracle's llama-logits with its libraries found:
// "RF_ORACLE_LIB=<dir> <dir>/llama-logits". Only valid when OracleDir() is not empty.
std::string OracleLlamaLogits();
// The same for another tool that tests/oracle/setup.sh builds ("llama-tokenize-batch").
std::string OracleTool(const std::string& name);

// Runs a command, returns its stdout; fails the test on a non-zero exit.
std::string RunCommand(const std::string& command, int* exit_code = nullptr);

}  // namespace rf::testing

// Skips the current test (or fails it under RF_REQUIRE_ORACLE=1) when the oracle is missing.
#define RF_ORACLE_OR_SKIP(dir_var)                                                           \
  const std::string dir_var = ::rf::testing::OracleDir();                                    \
  if (dir_var.empty()) {                                                                     \
    const char* req = std::getenv("RF_REQUIRE_ORACLE");                                      \
    if (req != nullptr && std::string(req) == "1") {                                         \
      FAIL() << "the llama.cpp oracle is required (RF_REQUIRE_ORACLE=1) but not installed; " \
                "run tests/oracle/setup.sh and set RF_ORACLE_DIR";                           \
    }                                                                                        \
    GTEST_SKIP() << "llama.cpp oracle not installed (tests/oracle/setup.sh)";                \
  }
