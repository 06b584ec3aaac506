// rfrun's command line turned into what the run needs, and the choice of backend; kept apart from
// rfrun.cc (which does the loading and printing) so both are unit-tested without a model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/generate.h"
#include "tools/cli.h"

namespace rf::tools {

struct RunOptions {
  std::string plan_path;
  std::string prompt;
  GenerateOptions generate;
  bool seed_given = false;  // else generate.sampler.seed is random (llama.cpp's default too)
  bool print_ids = false;
  std::string backend;  // "cpu", "hip", or "" to choose
  int threads = 0;      // cpu backend; <= 0: every hardware thread
};

// rfrun's flags, for parsing and for its usage message.
const std::vector<cli::FlagSpec>& RunFlags();

// The options from parsed arguments (one positional: the plan), every value range-checked with
// an error that names its flag. Without --seed the seed comes from std::random_device.
absl::StatusOr<RunOptions> ParseRunOptions(const cli::Args& args);

enum class BackendKind { kCpu, kHip };

struct BackendChoice {
  BackendKind kind = BackendKind::kCpu;
  std::string notice;  // one line for stderr when the choice was made for the user, else ""
};

// `requested`: --backend ("" when not given). hip_built: this build has the hip backend;
// gpu_present: it found a usable GPU; plan_target: what the plan was compiled for ("cpu",
// "gfx1100", ...). Not given: a cpu plan runs on the cpu backend, a GPU plan on hip when both
// are there (else an error that says how to get a cpu plan); a cpu choice made for the user comes
// with a one-line notice saying why.
absl::StatusOr<BackendChoice> ChooseBackend(absl::string_view requested, bool hip_built,
                                            bool gpu_present, absl::string_view plan_target);

}  // namespace rf::tools
