// Writing a plan (sections encoded, checked by the reader's own decoders, written atomically) and
// reading one (header and section table checked, every section's checksum verified, then decoded).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "runtime/plan/plan.h"
#include "runtime/plan/plan_format.h"
#include "runtime/plan/plan_layout.h"
#include "support/atomic_file.h"
#include "support/byte_reader.h"
#include "support/format.h"
#include "support/status.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace rf::plan {
namespace internal {
namespace {

std::span<const uint8_t> AsBytes(absl::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A section's bytes and where they start in the file.
struct SectionView {
  std::span<const uint8_t> bytes;
  uint64_t offset = 0;
};

// Decodes the structured sections into `plan`, in the order their checks need.
absl::Status DecodeStructured(const std::string& file, SectionView meta, SectionView kernels,
                              SectionView programs, Plan* plan) {
  auto context = [&](absl::string_view section) {
    return absl::StrCat(file, ": section '", section, "'");
  };
  ByteReader meta_in(context("meta"), meta.bytes, meta.offset);
  RF_RETURN_IF_ERROR(DecodeMeta(meta_in, plan));
  ByteReader kernels_in(context("kernels"), kernels.bytes, kernels.offset);
  RF_RETURN_IF_ERROR(DecodeKernels(kernels_in, plan));
  ByteReader programs_in(context("programs"), programs.bytes, programs.offset);
  return DecodePrograms(programs_in, plan);
}

// A plan encoded and laid out, ready to be written; checked by the reader's decoders.
struct Prepared {
  std::vector<uint8_t> meta, programs, kernels;
  std::span<const uint8_t> graph, tokenizer, weights;
  FileLayout layout;

  // In kRequiredSections order.
  std::vector<SectionBytes> Sections() const {
    return {{"meta", meta},           {"graph", graph},     {"programs", programs},
            {"tokenizer", tokenizer}, {"kernels", kernels}, {"weights", weights}};
  }
};

absl::Status Prepare(const std::string& path, const Plan& plan, std::span<const uint8_t> weights,
                     Prepared* out) {
  if (weights.size() != plan.arena.weights) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", WithCommas(weights.size()), " bytes of weights, but the plan's arena reserves ",
        WithCommas(plan.arena.weights), " for them"));
  }
  out->meta = EncodeMeta(plan);
  out->programs = EncodePrograms(plan);
  out->kernels = EncodeKernels(plan);
  out->graph = AsBytes(plan.graph_text);
  out->tokenizer = plan.tokenizer;
  out->weights = weights;
  const std::vector<SectionBytes> sections = out->Sections();
  auto layout = LayOut(plan.producer, plan.target, sections);
  if (!layout.ok()) return WithContext(layout.status(), path);
  out->layout = *std::move(layout);
  // What the runtime would reject must not be written: decode what was encoded, at the offsets it
  // will have, with the reader's checks.
  auto view = [&](absl::string_view name) {
    for (size_t i = 0; i < sections.size(); ++i) {
      if (sections[i].name == name)
        return SectionView{sections[i].bytes, out->layout.entries[i].offset};
    }
    return SectionView{};
  };
  Plan check;
  absl::Status s = DecodeStructured(path, view("meta"), view("kernels"), view("programs"), &check);
  if (!s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        s.message(), " (not written: the runtime would reject this plan; a bug in the compiler)"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> EncodePlanFile(const Plan& plan,
                                                    std::span<const uint8_t> weights) {
  Prepared p;
  RF_RETURN_IF_ERROR(Prepare("(memory)", plan, weights, &p));
  return AssembleFile(plan.producer, plan.target, p.Sections());
}

absl::StatusOr<std::unique_ptr<PlanFile>> PlanParser::Parse(std::string name,
                                                            std::span<const uint8_t> bytes,
                                                            absl::string_view expected_target,
                                                            const ParseOptions& options) {
  RF_ASSIGN_OR_RETURN(Header header, ReadHeader(name, bytes, options.verify_checksums));
  if (!expected_target.empty() && header.target != expected_target) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, ": compiled for target ", header.target, ", but this backend runs ",
        Printable(expected_target), "; recompile with --target ", Printable(expected_target)));
  }
  auto section_bytes = [&](const SectionEntry& e) { return bytes.subspan(e.offset, e.size); };
  if (options.verify_checksums) {
    for (const SectionEntry& e : header.entries) {
      if (XXH64(bytes.data() + e.offset, e.size, 0) != e.checksum) {
        return absl::DataLossError(absl::StrCat(
            name, ": section '", e.name, "' (", WithCommas(e.size), " bytes at byte ",
            WithCommas(e.offset),
            "): checksum mismatch (file damaged or truncated?); recompile with rfc compile"));
      }
    }
  }
  auto view = [&](absl::string_view section) {
    const auto it = std::find_if(header.entries.begin(), header.entries.end(),
                                 [&](const SectionEntry& e) { return e.name == section; });
    return SectionView{section_bytes(*it), it->offset};  // ReadHeader checked it is there
  };

  auto file = std::unique_ptr<PlanFile>(new PlanFile());
  Plan& plan = file->plan_;
  plan.producer = header.producer;
  plan.target = header.target;
  RF_RETURN_IF_ERROR(
      DecodeStructured(name, view("meta"), view("kernels"), view("programs"), &plan));
  const std::span<const uint8_t> graph = view("graph").bytes;
  plan.graph_text.assign(graph.begin(), graph.end());
  const std::span<const uint8_t> tokenizer = view("tokenizer").bytes;
  plan.tokenizer.assign(tokenizer.begin(), tokenizer.end());
  const SectionView weights = view("weights");
  if (weights.bytes.size() != plan.arena.weights) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": section 'weights': ", WithCommas(weights.bytes.size()),
                     " bytes, but the arena's weights region is ", WithCommas(plan.arena.weights)));
  }
  file->weights_ = weights.bytes;
  file->name_ = std::move(name);
  file->sections_ = std::move(header.entries);
  file->file_size_ = bytes.size();
  return file;
}

}  // namespace internal

absl::Status WritePlan(const std::string& path, const Plan& plan,
                       std::span<const uint8_t> weights) {
  internal::Prepared p;
  RF_RETURN_IF_ERROR(internal::Prepare(path, plan, weights, &p));
  RF_ASSIGN_OR_RETURN(AtomicFileWriter out, AtomicFileWriter::Create(path));
  RF_RETURN_IF_ERROR(out.Write(p.layout.header));
  const std::vector<internal::SectionBytes> sections = p.Sections();
  for (size_t i = 0; i < sections.size(); ++i) {
    RF_RETURN_IF_ERROR(out.WriteZeros(p.layout.entries[i].offset - out.offset()));
    RF_RETURN_IF_ERROR(out.Write(sections[i].bytes));
  }
  return out.Commit();
}

absl::StatusOr<std::unique_ptr<PlanFile>> PlanFile::Parse(std::string name,
                                                          std::span<const uint8_t> bytes,
                                                          absl::string_view expected_target) {
  return internal::PlanParser::Parse(std::move(name), bytes, expected_target, {});
}

absl::StatusOr<std::unique_ptr<PlanFile>> PlanFile::Open(const std::string& path,
                                                         absl::string_view expected_target) {
  RF_ASSIGN_OR_RETURN(MappedFile mapping, MappedFile::Open(path));
  RF_ASSIGN_OR_RETURN(std::unique_ptr<PlanFile> file,
                      internal::PlanParser::Parse(path, mapping.bytes(), expected_target, {}));
  file->mapping_ = std::move(mapping);  // the mapping's address, and so weights(), stays put
  return file;
}

}  // namespace rf::plan
