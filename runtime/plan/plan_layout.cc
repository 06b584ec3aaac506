// The plan file's header and section table: writing them for a list of sections, and reading them
// back with every field checked against the file before any section is looked at.
#include "runtime/plan/plan_layout.h"

#include <algorithm>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "support/byte_reader.h"
#include "support/format.h"
#include "support/status.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace rf::plan::internal {
namespace {

constexpr uint64_t kEntryBytes = kSectionNameBytes + 3 * 8;

uint64_t AlignUp(uint64_t n, uint64_t alignment) {
  return (n + alignment - 1) / alignment * alignment;
}

uint64_t Checksum(std::span<const uint8_t> bytes) {
  return XXH64(bytes.data(), bytes.size(), 0);
}

bool IsNameChar(char c) {
  return c > 0x20 && c < 0x7f;
}

absl::Status CheckSectionName(absl::string_view name) {
  if (name.empty() || name.size() > kSectionNameBytes ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return absl::InvalidArgumentError(
        absl::StrCat("section name '", Printable(name), "' is not 1..16 printable characters"));
  }
  return absl::OkStatus();
}

std::string Range(const SectionEntry& e) {
  return absl::StrCat("bytes ", WithCommas(e.offset), "..", WithCommas(e.offset + e.size));
}

// The section table, checked against the file: names, bounds, overlaps, duplicates, required
// sections, weights alignment.
absl::Status CheckEntries(const std::string& file, uint64_t header_size, uint64_t file_size,
                          const std::vector<SectionEntry>& entries) {
  absl::flat_hash_set<std::string> seen;
  for (const SectionEntry& e : entries) {
    const std::string context = absl::StrCat(file, ": section '", e.name, "'");
    if (!seen.insert(e.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": appears twice in the section table"));
    }
    if (e.offset < header_size) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": starts at byte ", WithCommas(e.offset),
                       ", inside the header (which ends at byte ", WithCommas(header_size), ")"));
    }
    if (e.offset > file_size || e.size > file_size - e.offset) {
      return absl::InvalidArgumentError(absl::StrCat(
          context, ": ", WithCommas(e.size), " bytes at byte ", WithCommas(e.offset),
          " run past the end of the file (", WithCommas(file_size), " bytes; truncated?)"));
    }
    if (e.name == "weights" && e.offset % kWeightsAlignment != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(context, ": starts at byte ", WithCommas(e.offset),
                       ", not at a multiple of ", WithCommas(kWeightsAlignment)));
    }
  }
  for (const char* required : kRequiredSections) {
    if (!seen.contains(required)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ": section '", required,
          "' is missing from the section table (damaged?); recompile with rfc compile"));
    }
  }
  std::vector<const SectionEntry*> by_offset;
  for (const SectionEntry& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const SectionEntry* a, const SectionEntry* b) {
    // Empty sections first: one may sit where the next section starts.
    return std::pair(a->offset, a->size) < std::pair(b->offset, b->size);
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const SectionEntry& prev = *by_offset[i - 1];
    const SectionEntry& cur = *by_offset[i];
    if (prev.offset + prev.size > cur.offset) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": section '", cur.name, "' (",
                                                     Range(cur), ") overlaps section '", prev.name,
                                                     "' (", Range(prev), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckTargetName(absl::string_view target) {
  const bool ok = !target.empty() && target.size() <= kMaxTargetBytes &&
                  std::all_of(target.begin(), target.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' || c == '+' ||
                           c == '-';
                  });
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("target '", Printable(target), "' is not 1..64 characters of [A-Za-z0-9_.:+-]"));
}

absl::StatusOr<FileLayout> LayOut(absl::string_view producer, absl::string_view target,
                                  std::span<const SectionBytes> sections) {
  RF_RETURN_IF_ERROR(CheckTargetName(target));
  if (producer.size() > kMaxProducerBytes || Printable(producer) != producer) {
    return absl::InvalidArgumentError(absl::StrCat("producer '", Printable(producer),
                                                   "' is not at most 256 printable characters"));
  }
  if (sections.empty() || sections.size() > kMaxSections) {
    return absl::InvalidArgumentError(
        absl::StrCat(sections.size(), " sections; a plan has 1..", kMaxSections));
  }
  ByteWriter head;
  head.Bytes({reinterpret_cast<const uint8_t*>(kMagic), sizeof(kMagic)});
  head.Write<uint32_t>(kFormatVersion);
  head.Write<uint32_t>(static_cast<uint32_t>(sections.size()));
  head.String(producer);
  head.String(target);

  FileLayout layout;
  uint64_t at = head.size() + sections.size() * kEntryBytes + sizeof(uint64_t);
  absl::flat_hash_set<std::string> names;
  for (const SectionBytes& s : sections) {
    RF_RETURN_IF_ERROR(CheckSectionName(s.name));
    if (!names.insert(s.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("section '", s.name, "' given twice"));
    }
    at = AlignUp(at, s.name == "weights" ? kWeightsAlignment : kSectionAlignment);
    layout.entries.push_back({s.name, at, s.bytes.size(), Checksum(s.bytes)});
    at += s.bytes.size();
  }
  layout.file_size = at;
  for (const SectionEntry& e : layout.entries) {
    char name[kSectionNameBytes] = {};
    std::memcpy(name, e.name.data(), e.name.size());
    head.Bytes({reinterpret_cast<const uint8_t*>(name), sizeof(name)});
    head.Write<uint64_t>(e.offset);
    head.Write<uint64_t>(e.size);
    head.Write<uint64_t>(e.checksum);
  }
  head.Write<uint64_t>(Checksum(head.bytes()));
  layout.header = head.Take();
  return layout;
}

absl::StatusOr<std::vector<uint8_t>> AssembleFile(absl::string_view producer,
                                                  absl::string_view target,
                                                  std::span<const SectionBytes> sections) {
  RF_ASSIGN_OR_RETURN(FileLayout layout, LayOut(producer, target, sections));
  std::vector<uint8_t> file(layout.file_size, 0);
  std::copy(layout.header.begin(), layout.header.end(), file.begin());
  for (size_t i = 0; i < sections.size(); ++i) {
    std::copy(sections[i].bytes.begin(), sections[i].bytes.end(),
              file.begin() + static_cast<ptrdiff_t>(layout.entries[i].offset));
  }
  return file;
}

absl::StatusOr<Header> ReadHeader(const std::string& name, std::span<const uint8_t> bytes,
                                  bool verify_checksum) {
  ByteReader in(absl::StrCat(name, ": header"), bytes);
  Header h;
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    const size_t shown = std::min<size_t>(bytes.size(), sizeof(kMagic));
    return in.ErrorAt(
        0, "magic",
        absl::StrCat("expected \"RFPLAN\\r\\n\" (a plan from rfc compile), found \"",
                     Printable({reinterpret_cast<const char*>(bytes.data()), shown}), "\"",
                     bytes.size() < sizeof(kMagic) ? " (the file is shorter than a header)" : ""));
  }
  RF_RETURN_IF_ERROR(in.Bytes(sizeof(kMagic), "magic").status());
  RF_ASSIGN_OR_RETURN(h.version, in.Read<uint32_t>("format version"));
  if (h.version > kFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": plan format version ", h.version, " is newer than this runtime's ",
                     kFormatVersion, "; recompile the model with this rfc (rfc compile)"));
  }
  if (h.version < kFormatVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": plan format version ", h.version, " is not one this runtime reads (",
                     kFormatVersion, "); recompile the model with this rfc (rfc compile)"));
  }
  const uint64_t count_at = in.offset();
  RF_ASSIGN_OR_RETURN(uint32_t count, in.Read<uint32_t>("section count"));
  if (count < 1 || count > kMaxSections) {
    return in.ErrorAt(count_at, "section count",
                      absl::StrCat(count, " is outside 1..", kMaxSections));
  }
  const uint64_t producer_at = in.offset();
  RF_ASSIGN_OR_RETURN(absl::string_view producer, in.String("producer", kMaxProducerBytes));
  if (Printable(producer) != producer) {
    return in.ErrorAt(producer_at, "producer", "holds unprintable bytes");
  }
  h.producer = std::string(producer);
  const uint64_t target_at = in.offset();
  RF_ASSIGN_OR_RETURN(absl::string_view target, in.String("target", kMaxTargetBytes));
  if (absl::Status s = CheckTargetName(target); !s.ok()) {
    return in.ErrorAt(target_at, "target", s.message());
  }
  h.target = std::string(target);

  h.entries.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t at = in.offset();
    const std::string field = absl::StrCat("section table entry #", i);
    RF_ASSIGN_OR_RETURN(std::span<const uint8_t> raw, in.Bytes(kSectionNameBytes, field));
    absl::string_view padded(reinterpret_cast<const char*>(raw.data()), raw.size());
    SectionEntry e;
    e.name = std::string(padded.substr(0, padded.find('\0')));
    const bool padding_is_zero = std::all_of(padded.begin() + static_cast<ptrdiff_t>(e.name.size()),
                                             padded.end(), [](char c) { return c == '\0'; });
    if (!padding_is_zero || !CheckSectionName(e.name).ok()) {
      return in.ErrorAt(at, field,
                        absl::StrCat("name \"", Printable(padded),
                                     "\" is not 1..16 printable characters padded with NULs"));
    }
    RF_ASSIGN_OR_RETURN(e.offset, in.Read<uint64_t>(field));
    RF_ASSIGN_OR_RETURN(e.size, in.Read<uint64_t>(field));
    RF_ASSIGN_OR_RETURN(e.checksum, in.Read<uint64_t>(field));
    h.entries.push_back(std::move(e));
  }
  const uint64_t checksum_at = in.offset();
  RF_ASSIGN_OR_RETURN(uint64_t checksum, in.Read<uint64_t>("header checksum"));
  if (verify_checksum && checksum != Checksum(bytes.first(checksum_at))) {
    return in.ErrorAt(checksum_at, "header checksum",
                      "mismatch (file damaged?); recompile with rfc compile");
  }
  h.size = in.offset();
  RF_RETURN_IF_ERROR(CheckEntries(name, h.size, bytes.size(), h.entries));
  return h;
}

}  // namespace rf::plan::internal
