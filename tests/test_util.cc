#include "tests/test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <vector>

namespace rf::testing {

std::string TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base ? base : "/tmp") + "/rf_test_XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return "/tmp";
  }
  return std::string(buf.data());
}

std::string OracleDir() {
  std::string dir;
  if (const char* env = std::getenv("RF_ORACLE_DIR")) {
    dir = env;
  } else if (const char* home = std::getenv("HOME")) {
    dir = std::string(home) + "/.cache/rocmforge-oracle";
  }
  struct stat st;
  if (dir.empty() || stat((dir + "/llama-logits").c_str(), &st) != 0) return "";
  return dir;
}

std::string OracleLlamaLogits() {
  return OracleTool("llama-logits");
}

std::string OracleTool(const std::string& name) {
  const std::string dir = OracleDir();
  std::string lib;
  if (FILE* f = fopen((dir + "/lib.path").c_str(), "r")) {
    char buf[4096];
    if (fgets(buf, sizeof(buf), f) != nullptr) lib = buf;
    fclose(f);
    while (!lib.empty() && (lib.back() == '\n' || lib.back() == '\r')) lib.pop_back();
  }
  return "RF_ORACLE_LIB='" + lib + "' '" + dir + "/" + name + "'";
}

std::string RunCommand(const std::string& command, int* exit_code) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << command;
    return out;
  }
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int status = pclose(pipe);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (exit_code != nullptr) {
    *exit_code = code;
  } else if (code != 0) {
    ADD_FAILURE() << "command failed (exit " << code << "): " << command;
  }
  return out;
}

}  // namespace rf::testing
