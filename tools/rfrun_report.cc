#include "tools/rfrun_report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "support/format.h"

namespace rf::tools {
namespace {

std::string Rate(double per_s) {
  return per_s > 0 ? absl::StrFormat("%s tok/s", WithCommas(uint64_t(per_s + 0.5))) : "-";
}

}  // namespace

std::string FormatRunReport(const RunReport& r, const GenerateResult& result) {
  std::string out;
  const LoadStats& l = r.load;
  absl::StrAppendFormat(&out, "load:     %.1f ms: plan %.1f, tokenizer %.1f, ", r.load_ms,
                        r.plan_ms, r.tokenizer_ms);
  if (l.read_ms > 0) absl::StrAppendFormat(&out, "read %.1f, ", l.read_ms);
  absl::StrAppendFormat(&out,
                        "upload %.1f, kernels %.1f (%d compiled, %d cached); %d device "
                        "allocation%s, arena %s\n",
                        l.upload_ms, l.compile_ms, l.kernels_compiled, l.kernels_cached,
                        l.device_allocations, l.device_allocations == 1 ? "" : "s",
                        HumanBytes(l.arena_bytes));
  absl::StrAppendFormat(&out, "prompt:   %d tokens, prefill %.1f ms, %s\n",
                        result.prompt_ids.size(), result.prefill_ms,
                        Rate(result.prefill_tokens_per_s()));
  absl::StrAppendFormat(&out,
                        "generate: %d tokens, decode %.1f ms over %d steps, %s; sampling %.1f ms\n",
                        result.generated_ids.size(), result.decode_ms, result.decode_steps,
                        Rate(result.decode_tokens_per_s()), result.sample_ms);
  absl::StrAppendFormat(&out, "stop:     %s\n", StopReasonText(result.stop));
  std::string sampling =
      r.greedy ? "greedy (temperature 0)"
               : absl::StrCat("seed ", r.seed, r.seed_given ? "" : " (random; --seed repeats it)");
  absl::StrAppendFormat(&out, "backend:  %s; %s\n", r.backend_name, sampling);
  if (result.stop == StopReason::kContextFull) {
    absl::StrAppendFormat(&out,
                          "rfrun: stopped because the context is full: the plan holds %d "
                          "positions (its --max-context); compile it with a larger --max-context "
                          "to generate more\n",
                          r.max_context);
  }
  return out;
}

}  // namespace rf::tools
