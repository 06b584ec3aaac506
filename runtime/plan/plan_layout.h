// Internal to rf_plan (and its tests and fuzzer): the plan file's header and section table (the
// layout in plan.h), and the parse entry point with checksum verification as an option, so that
// the fuzzer can reach the section decoders through bytes whose checksums a mutation broke.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runtime/plan/plan.h"

namespace rf::plan::internal {

inline constexpr uint32_t kMaxSections = 64;
inline constexpr uint32_t kMaxProducerBytes = 256;
inline constexpr uint32_t kMaxTargetBytes = 64;
inline constexpr size_t kSectionNameBytes = 16;
inline constexpr uint64_t kSectionAlignment = 8;

// The sections every plan has, in file order.
inline constexpr const char* kRequiredSections[] = {"meta",      "graph",   "programs",
                                                    "tokenizer", "kernels", "weights"};

// A section about to be written.
struct SectionBytes {
  std::string name;
  std::span<const uint8_t> bytes;
};

// Where the sections go: the header bytes (table and header checksum included), and each
// section's table entry, in the order given.
struct FileLayout {
  std::vector<uint8_t> header;
  std::vector<SectionEntry> entries;
  uint64_t file_size = 0;
};

// Places `sections` one after another after the header (8-aligned; "weights" at a multiple of
// kWeightsAlignment) and computes their checksums. Errors for a target, producer or section name
// the format cannot hold.
absl::StatusOr<FileLayout> LayOut(absl::string_view producer, absl::string_view target,
                                  std::span<const SectionBytes> sections);

// LayOut, then the whole file in memory (tests and fuzz seeds).
absl::StatusOr<std::vector<uint8_t>> AssembleFile(absl::string_view producer,
                                                  absl::string_view target,
                                                  std::span<const SectionBytes> sections);

// A target name is 1..64 bytes of [A-Za-z0-9_.:+-] ("cpu", "gfx1100", "sm_90").
absl::Status CheckTargetName(absl::string_view target);

// The header as read: everything up to and including the header checksum, checked (magic, version,
// counts, names, the table's entries against the file: in range, no overlaps or duplicates,
// required sections present, weights aligned).
struct Header {
  uint32_t version = 0;
  std::string producer;
  std::string target;
  std::vector<SectionEntry> entries;
  uint64_t size = 0;  // bytes, checksum included
};
// `name` is the file name for errors. With verify_checksum false, the header checksum is read but
// not compared (fuzzing).
absl::StatusOr<Header> ReadHeader(const std::string& name, std::span<const uint8_t> bytes,
                                  bool verify_checksum);

// The whole plan in memory, as WritePlan would write it (after the same checks).
absl::StatusOr<std::vector<uint8_t>> EncodePlanFile(const Plan& plan,
                                                    std::span<const uint8_t> weights);

struct ParseOptions {
  bool verify_checksums = true;  // false only for fuzzing the section decoders
};

class PlanParser {
 public:
  static absl::StatusOr<std::unique_ptr<PlanFile>> Parse(std::string name,
                                                         std::span<const uint8_t> bytes,
                                                         absl::string_view expected_target,
                                                         const ParseOptions& options);
};

}  // namespace rf::plan::internal
