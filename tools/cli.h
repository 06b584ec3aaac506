// A small command-line parser shared by the tools: `--name=value`, `--name value`, boolean
// `--name`, and positional arguments. Each command declares its flags, so an unknown flag or a
// missing value is a clear error instead of being ignored.
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace rf::cli {

struct FlagSpec {
  std::string name;  // without the dashes
  bool takes_value = true;
  std::string help;
  bool repeated = false;  // may be given several times (values are collected)
};

class Args {
 public:
  // Parses argv[first..argc) against `specs`.
  static absl::StatusOr<Args> Parse(int argc, char** argv, int first,
                                    const std::vector<FlagSpec>& specs);

  const std::vector<std::string>& positional() const { return positional_; }
  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  std::optional<std::string> Get(const std::string& name) const;
  std::vector<std::string> GetAll(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback) const;
  absl::StatusOr<double> GetDouble(const std::string& name, double fallback) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>> values_;
};

// "  --name VALUE   help" lines for a usage message.
std::string FlagHelp(const std::vector<FlagSpec>& specs);

// What a command prints about itself: "usage: <command> <synopsis>", its flags, then `epilogue`.
struct Usage {
  std::string command;   // "rfc compile": also the prefix of its error messages
  std::string synopsis;  // "MODEL.gguf [flags]"
  size_t min_positional = 0, max_positional = 0;
  std::string epilogue = "";
};
void PrintUsage(FILE* out, const std::vector<FlagSpec>& specs, const Usage& usage);

// The command's arguments, or nothing and `*exit_code` to return: 0 after --help (the usage on
// stdout), 2 after a bad command line or a wrong count of positional arguments (what is wrong, if
// the parser said, then the usage, on stderr). `specs` should include {"help", false, ...}.
std::optional<Args> ParseCommand(int argc, char** argv, int first,
                                 const std::vector<FlagSpec>& specs, const Usage& usage,
                                 int* exit_code);

}  // namespace rf::cli
