// rfrun MODEL.plan --prompt TEXT [...]: loads a plan, generates, streams the text to stdout (the
// prompt not repeated; a newline at the end) and prints statistics on stderr. Thin: flags and the
// backend choice are tools/rfrun_options.cc, the statistics tools/rfrun_report.cc, the loop
// runtime/generate.cc.
//
// Seeds: without --seed (or with -1) the seed is random, as llama.cpp's default seed is; the
// statistics print it, and --seed with that value repeats the run. Temperature 0 is greedy.
// Exit status: 0 after generating, 1 when loading or generating fails (one line on stderr), 2 for
// a bad command line.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "runtime/backend.h"
#include "runtime/cpu/cpu_backend.h"
#include "runtime/generate.h"
#ifdef RF_HAVE_HIP_BACKEND
#include "runtime/hip/hip_backend.h"
#endif
#include "runtime/plan/plan.h"
#include "runtime/tokenizer/tokenizer.h"
#include "runtime/tokenizer/vocab_serialize.h"
#include "support/clock.h"
#include "support/status.h"
#include "tools/cli.h"
#include "tools/rfrun_options.h"
#include "tools/rfrun_report.h"

namespace rf::tools {
namespace {

constexpr const char* kUsage =
    "usage: rfrun MODEL.plan --prompt TEXT [FLAGS]\n"
    "Generates a continuation of TEXT with a plan compiled by `rfc compile MODEL.gguf -o "
    "MODEL.plan`.\n";

// ---- The hip backend hooks in here, and only here. ----
// RF_HAVE_HIP_BACKEND: this build has runtime/hip's backend (RF_HIP_BACKEND=AMD or CUDA).
bool HipBuilt() {
#ifdef RF_HAVE_HIP_BACKEND
  return true;
#else
  return false;
#endif
}

bool HipGpuPresent() {
#ifdef RF_HAVE_HIP_BACKEND
  return hip::HipBackendAvailable();
#else
  return false;
#endif
}

absl::StatusOr<std::unique_ptr<Backend>> OpenBackend(BackendKind kind,
                                                     std::shared_ptr<const plan::PlanFile> plan,
                                                     int threads) {
  switch (kind) {
    case BackendKind::kCpu:
      return cpu::CreateCpuBackend(std::move(plan), threads);
    case BackendKind::kHip:
#ifdef RF_HAVE_HIP_BACKEND
      return hip::CreateHipBackend(std::move(plan));  // checks the plan's target against the GPU
#else
      break;
#endif
  }
  return absl::UnimplementedError("the hip backend is not part of this build");
}
// ---- End of the hip hook. ----

struct Loaded {
  std::unique_ptr<Backend> backend;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  double load_ms = 0, plan_ms = 0, tokenizer_ms = 0;
};

// The tokenizer and the backend from an open plan; each backend checks that the plan was
// compiled for its target, with a message naming both.
absl::Status Load(const RunOptions& options, BackendKind kind,
                  std::shared_ptr<const plan::PlanFile> plan, Loaded* loaded) {
  const auto start = std::chrono::steady_clock::now();
  auto vocab = tokenizer::DeserializeVocab(plan->plan().tokenizer);
  if (!vocab.ok()) {
    return WithContext(vocab.status(), absl::StrCat(options.plan_path,
                                                    ": section 'tokenizer' (recompile the plan "
                                                    "with rfc compile)"));
  }
  RF_ASSIGN_OR_RETURN(loaded->tokenizer, tokenizer::Tokenizer::Create(*std::move(vocab)));
  loaded->tokenizer_ms = MsSince(start);
  RF_ASSIGN_OR_RETURN(loaded->backend, OpenBackend(kind, std::move(plan), options.threads));
  loaded->load_ms = loaded->plan_ms + MsSince(start);
  return absl::OkStatus();
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "rfrun: %s\n", std::string(status.message()).c_str());
  return 1;
}

int Run(int argc, char** argv) {
  auto args = cli::Args::Parse(argc, argv, 1, RunFlags());
  if (args.ok() && args->Has("help")) {
    std::printf("%s%s", kUsage, cli::FlagHelp(RunFlags()).c_str());
    return 0;
  }
  absl::StatusOr<RunOptions> options =
      args.ok() ? ParseRunOptions(*args) : absl::StatusOr<RunOptions>(args.status());
  if (!options.ok()) {
    std::fprintf(stderr, "rfrun: %s\n%s%s", std::string(options.status().message()).c_str(), kUsage,
                 cli::FlagHelp(RunFlags()).c_str());
    return 2;
  }
  // The plan first: what it was compiled for decides the backend when --backend is not given.
  Loaded loaded;
  const auto open_start = std::chrono::steady_clock::now();
  auto plan = plan::PlanFile::Open(options->plan_path);
  if (!plan.ok()) return Fail(plan.status());
  loaded.plan_ms = MsSince(open_start);
  auto choice =
      ChooseBackend(options->backend, HipBuilt(), HipGpuPresent(), (*plan)->plan().target);
  if (!choice.ok()) {
    // Not asked for a backend, the only refusal is a GPU plan with no GPU: name the plan.
    return Fail(options->backend.empty() ? WithContext(choice.status(), options->plan_path)
                                         : choice.status());
  }
  if (!choice->notice.empty()) std::fprintf(stderr, "%s\n", choice->notice.c_str());
  if (absl::Status s = Load(*options, choice->kind, *std::move(plan), &loaded); !s.ok()) {
    return Fail(s);
  }

  bool streamed = false;
  auto on_token = [&](int32_t id, absl::string_view text) {
    if (options->print_ids) {
      if (id < 0) return;  // a character left incomplete: no token of its own
      std::fprintf(stdout, streamed ? " %d" : "%d", id);
    } else {
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    streamed = true;
    std::fflush(stdout);
  };
  auto result =
      Generate(*loaded.backend, *loaded.tokenizer, options->prompt, options->generate, on_token);
  if (streamed || result.ok()) std::fputc('\n', stdout);
  std::fflush(stdout);
  if (!result.ok()) return Fail(result.status());

  RunReport report;
  report.backend_name = loaded.backend->name();
  report.load = loaded.backend->load_stats();
  report.load_ms = loaded.load_ms;
  report.plan_ms = loaded.plan_ms;
  report.tokenizer_ms = loaded.tokenizer_ms;
  report.max_context = loaded.backend->max_context();
  report.greedy = options->generate.sampler.temperature == 0;
  report.seed = options->generate.sampler.seed;
  report.seed_given = options->seed_given;
  std::fputs(FormatRunReport(report, *result).c_str(), stderr);
  return 0;
}

}  // namespace
}  // namespace rf::tools

int main(int argc, char** argv) {
  return rf::tools::Run(argc, argv);
}
