#include "tools/rfrun_options.h"

#include <limits>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "support/status.h"

namespace rf::tools {
namespace {

absl::Status OutOfRange(absl::string_view flag, absl::string_view value,
                        absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, " ", value, " is out of range: expected ", expected));
}

// An integer flag within [lo, hi].
absl::StatusOr<int64_t> IntFlag(const cli::Args& args, const std::string& name, int64_t fallback,
                                int64_t lo, int64_t hi, absl::string_view expected) {
  RF_ASSIGN_OR_RETURN(const int64_t v, args.GetInt(name, fallback));
  if (v < lo || v > hi) return OutOfRange(name, absl::StrCat(v), expected);
  return v;
}

// A float flag within [lo, hi] (lo_open: lo itself excluded); NaN and infinities never are.
absl::StatusOr<float> FloatFlag(const cli::Args& args, const std::string& name, float fallback,
                                double lo, bool lo_open, double hi, absl::string_view expected) {
  RF_ASSIGN_OR_RETURN(const double v, args.GetDouble(name, fallback));
  if (!(v >= lo) || (lo_open && v == lo) || !(v <= hi)) {
    return OutOfRange(name, args.GetOr(name, ""), expected);
  }
  return float(v);
}

}  // namespace

const std::vector<cli::FlagSpec>& RunFlags() {
  static const std::vector<cli::FlagSpec> flags = {
      {"prompt", true, "the text to continue (required); special-token texts become tokens"},
      {"max-tokens", true, "stop after this many generated tokens (default 128; -1: no limit)"},
      {"temperature", true, "0: greedy; higher: more random (default 0.8)"},
      {"top-k", true, "sample among the K most likely tokens (default 40; 0: off)"},
      {"top-p", true, "... the most likely tokens holding probability P (default 0.95; 1: off)"},
      {"min-p", true, "... tokens at least P times as likely as the best (default 0.05; 0: off)"},
      {"repeat-penalty", true, "penalize the last --repeat-last-n tokens (default 1: off)"},
      {"repeat-last-n", true, "tokens the penalty looks back on (default 64; -1: all)"},
      {"seed", true, "for repeatable sampling (default or -1: random, printed at the end)"},
      {"ids", false, "print the generated token ids (space-separated) instead of text"},
      {"backend", true, "cpu or hip (default: as the plan's target: cpu, or hip for a GPU)"},
      {"threads", true, "cpu backend threads (default 0: every hardware thread)"},
      {"help", false, "show this help"},
  };
  return flags;
}

absl::StatusOr<RunOptions> ParseRunOptions(const cli::Args& args) {
  RunOptions o;
  if (args.positional().size() != 1) {
    return absl::InvalidArgumentError(
        args.positional().empty()
            ? "give the plan file to run (compile one with: rfc compile MODEL.gguf -o MODEL.plan)"
            : absl::StrCat("expected one plan file, got ", args.positional().size(),
                           " arguments (quote a prompt with spaces: --prompt \"...\")"));
  }
  o.plan_path = args.positional()[0];
  auto prompt = args.Get("prompt");
  if (!prompt) return absl::InvalidArgumentError("--prompt TEXT is required");
  o.prompt = *prompt;

  constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
  SamplerOptions& s = o.generate.sampler;
  RF_ASSIGN_OR_RETURN(o.generate.max_tokens,
                      IntFlag(args, "max-tokens", 128, -1, kInt32Max, ">= 0, or -1 for no limit"));
  RF_ASSIGN_OR_RETURN(s.temperature, FloatFlag(args, "temperature", s.temperature, 0, false, 1e6,
                                               "a number >= 0 (0: greedy)"));
  RF_ASSIGN_OR_RETURN(s.top_k, IntFlag(args, "top-k", s.top_k, std::numeric_limits<int32_t>::min(),
                                       kInt32Max, "an integer (0: off)"));
  RF_ASSIGN_OR_RETURN(s.top_p,
                      FloatFlag(args, "top-p", s.top_p, 0, true, 1, "0 < P <= 1 (1: off)"));
  RF_ASSIGN_OR_RETURN(s.min_p,
                      FloatFlag(args, "min-p", s.min_p, 0, false, 1, "0 <= P <= 1 (0: off)"));
  RF_ASSIGN_OR_RETURN(s.repeat_penalty, FloatFlag(args, "repeat-penalty", s.repeat_penalty, 0, true,
                                                  1e6, "a number > 0 (1: off)"));
  RF_ASSIGN_OR_RETURN(s.repeat_last_n, IntFlag(args, "repeat-last-n", s.repeat_last_n, -1,
                                               kInt32Max, ">= 0 (0: off), or -1 for all"));
  if (auto seed = args.Get("seed"); seed && *seed != "-1") {  // -1: random, as in llama.cpp
    if (!absl::SimpleAtoi(*seed, &s.seed)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--seed: expected an integer 0 .. 2^64-1, got '", *seed, "'"));
    }
    o.seed_given = true;
  } else {
    std::random_device device;
    s.seed = (uint64_t(device()) << 32) | device();
  }
  RF_RETURN_IF_ERROR(ValidateSamplerOptions(s));  // the library's own check, in case it is stricter

  o.print_ids = args.Has("ids");
  o.backend = args.GetOr("backend", "");
  RF_ASSIGN_OR_RETURN(const int64_t threads,
                      IntFlag(args, "threads", 0, 0, 4096, "0 (every hardware thread) .. 4096"));
  o.threads = int(threads);
  return o;
}

absl::StatusOr<BackendChoice> ChooseBackend(absl::string_view requested, bool hip_built,
                                            bool gpu_present, absl::string_view plan_target) {
  if (requested == "cpu") return BackendChoice{BackendKind::kCpu, ""};
  if (requested == "hip") {
    if (!hip_built) {
      return absl::UnavailableError(
          "--backend hip: this rfrun was built without the hip backend (configure with "
          "-DRF_HIP_BACKEND=AMD, or CUDA for NVIDIA GPUs); use --backend cpu");
    }
    if (!gpu_present) {
      return absl::UnavailableError(
          "--backend hip: no usable GPU found (is the driver loaded and the device visible?); "
          "use --backend cpu");
    }
    return BackendChoice{BackendKind::kHip, ""};
  }
  if (!requested.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--backend '", requested, "' is not a backend: expected cpu or hip"));
  }
  const absl::string_view why_no_gpu =
      !hip_built ? "this build has no GPU backend" : "no usable GPU was found";
  if (plan_target != "cpu") {
    if (hip_built && gpu_present) return BackendChoice{BackendKind::kHip, ""};
    return absl::UnavailableError(
        absl::StrCat("the plan is compiled for target ", plan_target, " (a GPU), but ", why_no_gpu,
                     "; compile it with rfc compile --target cpu to run on the CPU"));
  }
  if (hip_built && gpu_present) {
    return BackendChoice{BackendKind::kCpu,
                         "rfrun: running on the CPU: the plan is compiled for target cpu (rfc "
                         "compile --target for the GPU runs it there)"};
  }
  return BackendChoice{BackendKind::kCpu, absl::StrCat("rfrun: ", why_no_gpu,
                                                       ": running on the CPU (--backend cpu "
                                                       "skips this notice)")};
}

}  // namespace rf::tools
