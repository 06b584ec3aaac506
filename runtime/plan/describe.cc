#include "runtime/plan/describe.h"

#include <cstdio>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "quant/types.h"
#include "support/format.h"

namespace rf::plan {
namespace {

std::string DescribeBindings(absl::string_view title, const std::vector<Binding>& bindings) {
  std::string out = absl::StrCat("\n", title, ":\n");
  if (bindings.empty()) out += "  (none)\n";
  for (const Binding& b : bindings) {
    absl::StrAppendFormat(&out, "  %-14s %s\n", Printable(b.name), DescribeRef(b.ref));
  }
  return out;
}

// "83 instructions (90 kernel launches): matmul 35, rms_norm 11, ..." (most frequent first).
std::string DescribeProgram(const Program& program) {
  std::map<Opcode, int> counts;
  for (const Instruction& ins : program.instructions) ++counts[ins.op];
  std::vector<std::pair<Opcode, int>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> parts;
  for (const auto& [op, n] : sorted) parts.push_back(absl::StrCat(OpcodeName(op), " ", n));
  size_t launches = 0;
  for (const Instruction& ins : program.instructions) launches += ins.kernels.size();
  return absl::StrCat(
      WithCommas(program.instructions.size()), " instructions",
      launches > 0 ? absl::StrCat(" (", WithCommas(launches), " kernel launches)") : "",
      parts.empty() ? "" : ": ", absl::StrJoin(parts, ", "));
}

}  // namespace

bool IsPlanFile(const std::string& path) {
  char magic[sizeof(kMagic)] = {};
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  const size_t n = std::fread(magic, 1, sizeof(magic), f);
  std::fclose(f);
  return n == sizeof(magic) && std::memcmp(magic, kMagic, sizeof(magic)) == 0;
}

std::string DescribeRef(const TensorRef& ref) {
  const quant::TypeInfo* info = quant::FindType(ref.type);
  std::vector<std::string> dims;
  for (int64_t d : ref.shape) dims.push_back(d == kDimT ? "T" : absl::StrCat(d));
  return absl::StrCat(info != nullptr ? info->name : absl::StrCat("type#", ref.type), " [",
                      absl::StrJoin(dims, ", "), "] at ", WithCommas(ref.offset));
}

std::string DescribePlan(const PlanFile& file) {
  const Plan& plan = file.plan();
  std::string out;
  absl::StrAppendFormat(&out, "%s: plan format v%d, %s bytes, target %s, produced by \"%s\"\n",
                        file.name(), kFormatVersion, WithCommas(file.file_size()), plan.target,
                        Printable(plan.producer));

  const ModelInfo& m = plan.model;
  absl::StrAppendFormat(&out,
                        "\nmodel:\n  arch          %s\n  name          \"%s\"\n"
                        "  n_vocab       %s\n  max_context   %s\n  max_batch     %s\n",
                        Printable(m.arch), Printable(m.name), WithCommas(m.n_vocab),
                        WithCommas(m.max_context), WithCommas(m.max_batch));

  absl::StrAppendFormat(&out, "\nsections:\n  %-10s %14s %14s  %s\n", "name", "offset", "bytes",
                        "xxh64");
  for (const SectionEntry& e : file.sections()) {
    absl::StrAppendFormat(&out, "  %-10s %14s %14s  %016x\n", e.name, WithCommas(e.offset),
                          WithCommas(e.size), e.checksum);
  }

  const ArenaLayout& a = plan.arena;
  absl::StrAppendFormat(&out, "\narena: %s bytes (%s)\n  %-12s %14s %14s\n", WithCommas(a.total()),
                        HumanBytes(a.total()), "region", "offset", "bytes");
  uint64_t at = 0;
  for (const auto& [name, bytes] : {std::pair{"weights", a.weights},
                                    {"kv_cache", a.kv_cache},
                                    {"activations", a.activations},
                                    {"step_params", a.step_params}}) {
    absl::StrAppendFormat(&out, "  %-12s %14s %14s  (%s)\n", name, WithCommas(at),
                          WithCommas(bytes), HumanBytes(bytes));
    at += bytes;
  }
  absl::StrAppendFormat(&out, "  n_tokens (i32) at %s\n", WithCommas(plan.n_tokens_offset));
  if (plan.workspace_bytes > 0) {
    absl::StrAppendFormat(&out, "  workspace %s bytes at %s (in the activations)\n",
                          WithCommas(plan.workspace_bytes), WithCommas(plan.workspace_offset));
  }

  out += DescribeBindings("inputs", plan.inputs);
  out += DescribeBindings("outputs", plan.outputs);

  out += "\nprograms:\n";
  for (const Program* p : {&plan.prefill, &plan.decode}) {
    absl::StrAppendFormat(&out, "  %-8s %s\n", p->name, DescribeProgram(*p));
  }

  size_t with_code = 0;
  uint64_t source_bytes = 0, code_bytes = 0;
  for (const Kernel& k : plan.kernels) {
    with_code += k.code_object.empty() ? 0 : 1;
    source_bytes += k.source.size();
    code_bytes += k.code_object.size();
  }
  absl::StrAppendFormat(&out, "\nkernels: %s (source %s bytes; %s with code objects, %s bytes)\n",
                        WithCommas(plan.kernels.size()), WithCommas(source_bytes),
                        WithCommas(with_code), WithCommas(code_bytes));
  absl::StrAppendFormat(&out, "graph: %s bytes of IR text\ntokenizer: %s bytes\n",
                        WithCommas(plan.graph_text.size()), WithCommas(plan.tokenizer.size()));
  return out;
}

}  // namespace rf::plan
