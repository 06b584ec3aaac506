#include "tools/cli.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace rf::cli {

absl::StatusOr<Args> Args::Parse(int argc, char** argv, int first,
                                 const std::vector<FlagSpec>& specs) {
  Args args;
  bool only_positional = false;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (only_positional || arg.size() < 2 || arg[0] != '-' || arg == "-") {
      args.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string name = body, value;
    bool has_inline_value = false;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_inline_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (spec->takes_value && !has_inline_value) {
      if (i + 1 >= argc) {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
      value = argv[++i];
    } else if (!spec->takes_value && has_inline_value) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " takes no value"));
    }
    auto& slot = args.values_[name];
    if (!slot.empty() && !spec->repeated) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", name, " given twice"));
    }
    slot.push_back(value);
  }
  return args;
}

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::GetOr(const std::string& name, const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

absl::StatusOr<int64_t> Args::GetInt(const std::string& name, int64_t fallback) const {
  auto v = Get(name);
  if (!v) return fallback;
  int64_t out;
  if (!absl::SimpleAtoi(*v, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": expected an integer, got '", *v, "'"));
  }
  return out;
}

absl::StatusOr<double> Args::GetDouble(const std::string& name, double fallback) const {
  auto v = Get(name);
  if (!v) return fallback;
  double out;
  if (!absl::SimpleAtod(*v, &out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": expected a number, got '", *v, "'"));
  }
  return out;
}

std::string FlagHelp(const std::vector<FlagSpec>& specs) {
  std::string out;
  for (const FlagSpec& s : specs) {
    std::string left = absl::StrCat("--", s.name, s.takes_value ? " VALUE" : "");
    absl::StrAppendFormat(&out, "  %-28s %s\n", left, s.help);
  }
  return out;
}

void PrintUsage(FILE* out, const std::vector<FlagSpec>& specs, const Usage& usage) {
  std::fprintf(out, "usage: %s %s\n%s%s", usage.command.c_str(), usage.synopsis.c_str(),
               FlagHelp(specs).c_str(), usage.epilogue.c_str());
}

std::optional<Args> ParseCommand(int argc, char** argv, int first,
                                 const std::vector<FlagSpec>& specs, const Usage& usage,
                                 int* exit_code) {
  absl::StatusOr<Args> args = Args::Parse(argc, argv, first, specs);
  if (args.ok() && args->Has("help")) {
    PrintUsage(stdout, specs, usage);
    *exit_code = 0;
    return std::nullopt;
  }
  if (!args.ok() || args->positional().size() < usage.min_positional ||
      args->positional().size() > usage.max_positional) {
    if (!args.ok()) {
      std::fprintf(stderr, "%s: %s\n", usage.command.c_str(),
                   std::string(args.status().message()).c_str());
    }
    PrintUsage(stderr, specs, usage);
    *exit_code = 2;
    return std::nullopt;
  }
  return *std::move(args);
}

}  // namespace rf::cli
