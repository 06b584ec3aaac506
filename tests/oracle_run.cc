#include "tests/oracle_run.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/test_util.h"

namespace rf::testing {

absl::StatusOr<OracleRun> RunOracle(const std::string& model, const std::string& prompt, int steps,
                                    int n_vocab) {
  if (OracleDir().empty()) return absl::FailedPreconditionError("the oracle is not installed");
  const std::string logits_path = TempDir() + "/logits.f32";
  std::string quoted = "'";
  for (char c : prompt) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  int code = 0;
  const std::string out = RunCommand(absl::StrCat(OracleLlamaLogits(), " '", model, "' ", quoted,
                                                  " ", steps, " 1 '", logits_path, "' 2>/dev/null"),
                                     &code);
  if (code != 0) return absl::InternalError(absl::StrCat("llama-logits failed on ", model));
  OracleRun run;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "prompt_tokens(")) {
      absl::string_view ids = line.substr(line.find(':') + 1);
      for (absl::string_view id : absl::StrSplit(ids, ' ', absl::SkipEmpty())) {
        int32_t v;
        if (!absl::SimpleAtoi(id, &v))
          return absl::InternalError(absl::StrCat("bad id in: ", line));
        run.prompt_ids.push_back(v);
      }
    } else if (absl::StartsWith(line, "step ")) {
      size_t arrow = line.find("-> ");
      int32_t v;
      absl::string_view rest = line.substr(arrow + 3);
      if (arrow == absl::string_view::npos ||
          !absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &v)) {
        return absl::InternalError(absl::StrCat("cannot parse: ", line));
      }
      run.greedy_ids.push_back(v);
    } else if (!line.empty()) {
      run.text = std::string(line);
    }
  }
  std::ifstream in(logits_path, std::ios::binary);
  std::vector<float> row(n_vocab);
  while (in.read(reinterpret_cast<char*>(row.data()), n_vocab * sizeof(float))) {
    run.logits.push_back(row);
  }
  if (run.logits.size() != run.greedy_ids.size() || run.prompt_ids.empty()) {
    return absl::InternalError(absl::StrCat("llama-logits gave ", run.logits.size(),
                                            " logits rows for ", run.greedy_ids.size(), " steps"));
  }
  return run;
}

LogitsDiff CompareLogits(const std::vector<float>& ours, const std::vector<float>& reference) {
  LogitsDiff d;
  double num = 0, den = 0;
  for (size_t i = 0; i < reference.size() && i < ours.size(); ++i) {
    const double diff = static_cast<double>(ours[i]) - reference[i];
    d.max_abs = std::max(d.max_abs, std::fabs(diff));
    num += diff * diff;
    den += static_cast<double>(reference[i]) * reference[i];
  }
  if (ours.size() != reference.size() || std::isnan(num)) {
    d.max_abs = d.rel_l2 = INFINITY;
    return d;
  }
  d.rel_l2 = std::sqrt(num / (den > 0 ? den : 1));
  return d;
}

double Top2Margin(const std::vector<float>& logits) {
  float a = -INFINITY, b = -INFINITY;
  for (float v : logits) {
    if (v > a) {
      b = a;
      a = v;
    } else if (v > b) {
      b = v;
    }
  }
  return static_cast<double>(a) - b;
}

int32_t ArgMax(const std::vector<float>& logits) {
  int32_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[best]) best = static_cast<int32_t>(i);
  }
  return best;
}

absl::Status OracleQuantize(const std::string& in, const std::string& out,
                            const std::string& type) {
  int code = 0;
  RunCommand(absl::StrCat(OracleLlamaLogits(), " --quantize '", in, "' '", out, "' ", type,
                          " >/dev/null 2>&1"),
             &code);
  if (code != 0)
    return absl::InternalError(absl::StrCat("llama.cpp could not quantize ", in, " to ", type));
  return absl::OkStatus();
}

}  // namespace rf::testing
