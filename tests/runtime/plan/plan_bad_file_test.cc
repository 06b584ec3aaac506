// Damaged and hostile plan files: every one is an error that names the file and what is wrong
// (the section, the byte), never a crash, a hang or a huge allocation.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/plan/plan.h"
#include "runtime/plan/plan_format.h"
#include "runtime/plan/plan_layout.h"
#include "support/byte_reader.h"
#include "support/format.h"
#include "tests/runtime/plan/sample_plan.h"

namespace rf::plan {
namespace {

using ::testing::ContainsRegex;
using testing::EntryOffset;
using testing::FixHeaderChecksum;
using testing::FixSectionChecksum;
using ::testing::HasSubstr;
using testing::SampleFile;
using testing::SamplePlan;
using testing::SampleWeights;
using testing::SectionsOf;
using ::testing::StartsWith;

// The error of parsing `bytes` as "m.plan" ("" when it parses).
std::string ParseError(std::span<const uint8_t> bytes, absl::string_view target = "") {
  auto file = PlanFile::Parse("m.plan", bytes, target);
  return file.ok() ? "" : std::string(file.status().message());
}

template <typename T>
void Store(std::vector<uint8_t>& bytes, uint64_t at, T v) {
  std::memcpy(bytes.data() + at, &v, sizeof(T));
}

const SectionEntry& Entry(const std::vector<SectionEntry>& entries, const std::string& name) {
  for (const SectionEntry& e : entries) {
    if (e.name == name) return e;
  }
  static const SectionEntry kNone;
  ADD_FAILURE() << "no section " << name;
  return kNone;
}

// A file whose structured sections are given as bytes (for contents WritePlan would refuse).
std::vector<uint8_t> FileWith(const std::string& section, std::vector<uint8_t> replacement,
                              const Plan& plan = SamplePlan()) {
  const std::vector<uint8_t> meta = internal::EncodeMeta(plan);
  const std::vector<uint8_t> programs = internal::EncodePrograms(plan);
  const std::vector<uint8_t> kernels = internal::EncodeKernels(plan);
  const std::vector<uint8_t> weights = SampleWeights(plan.arena.weights);
  std::vector<internal::SectionBytes> sections = {
      {"meta", meta},
      {"graph", {reinterpret_cast<const uint8_t*>(plan.graph_text.data()), plan.graph_text.size()}},
      {"programs", programs},
      {"tokenizer", plan.tokenizer},
      {"kernels", kernels},
      {"weights", weights}};
  for (auto& s : sections) {
    if (s.name == section) s.bytes = replacement;
  }
  auto file = internal::AssembleFile(plan.producer, plan.target, sections);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.value_or(std::vector<uint8_t>());
}

TEST(PlanBadFileTest, ValidSampleParses) {
  EXPECT_EQ(ParseError(SampleFile()), "");
}

TEST(PlanBadFileTest, EveryTruncationIsAnError) {
  const std::vector<uint8_t> file = SampleFile(2048);
  for (size_t n = 0; n < file.size(); ++n) {
    const std::string error = ParseError(std::span(file).first(n));
    ASSERT_THAT(error, StartsWith("m.plan: ")) << "truncated to " << n << " bytes";
  }
  // A truncated weights section is the end of the file past the table's idea of it.
  EXPECT_THAT(ParseError(std::span(file).first(file.size() - 1)),
              HasSubstr("section 'weights': 2,048 bytes at byte "));
  EXPECT_THAT(ParseError(std::span(file).first(file.size() - 1)), HasSubstr("truncated?"));
}

TEST(PlanBadFileTest, FlippedByteInEachSectionIsAChecksumError) {
  const std::vector<uint8_t> good = SampleFile();
  for (const SectionEntry& e : SectionsOf(good)) {
    ASSERT_GT(e.size, 0u) << e.name;
    for (uint64_t at : {e.offset, e.offset + e.size / 2, e.offset + e.size - 1}) {
      std::vector<uint8_t> bad = good;
      bad[at] ^= 0x10;
      EXPECT_EQ(ParseError(bad),
                absl::StrCat("m.plan: section '", e.name, "' (", WithCommas(e.size),
                             " bytes at byte ", WithCommas(e.offset),
                             "): checksum mismatch (file damaged or truncated?); recompile with "
                             "rfc compile"));
    }
  }
}

TEST(PlanBadFileTest, FlippedByteInTheHeaderIsAnError) {
  const std::vector<uint8_t> good = SampleFile();
  const uint64_t header_end = EntryOffset(good, SectionsOf(good).size()) + 8;
  for (uint64_t at = 0; at < header_end; ++at) {
    std::vector<uint8_t> bad = good;
    bad[at] ^= 0x01;
    EXPECT_THAT(ParseError(bad), StartsWith("m.plan: ")) << "byte " << at;
  }
  // Past the magic and version, a flip is caught by the header checksum at the latest.
  std::vector<uint8_t> bad = good;
  bad[header_end - 20] ^= 0x01;  // the last entry's size
  EXPECT_THAT(ParseError(bad), ContainsRegex("m.plan: header: byte [0-9,]+: header checksum: "
                                             "mismatch \\(file damaged\\?\\); recompile"));
}

TEST(PlanBadFileTest, WrongMagic) {
  const std::string gguf("GGUF\x03\0\0\0 and so on", 18);
  EXPECT_EQ(ParseError({reinterpret_cast<const uint8_t*>(gguf.data()), gguf.size()}),
            "m.plan: header: byte 0: magic: expected \"RFPLAN\\r\\n\" (a plan from rfc compile), "
            "found \"GGUF\\x03\\x00\\x00\\x00\"");
  EXPECT_THAT(ParseError({}), HasSubstr("shorter than a header"));
  std::vector<uint8_t> file = SampleFile();
  file[6] = '\n';  // a text-mode transfer eating the \r
  EXPECT_THAT(ParseError(file), HasSubstr("magic: expected"));
}

TEST(PlanBadFileTest, NewerAndOlderVersions) {
  std::vector<uint8_t> file = SampleFile();
  Store<uint32_t>(file, 8, kFormatVersion + 1);
  EXPECT_EQ(ParseError(file),
            "m.plan: plan format version 2 is newer than this runtime's 1; recompile the model "
            "with this rfc (rfc compile)");
  Store<uint32_t>(file, 8, 0);
  EXPECT_THAT(ParseError(file), HasSubstr("plan format version 0 is not one this runtime reads"));
}

TEST(PlanBadFileTest, WrongTarget) {
  const std::vector<uint8_t> file = SampleFile(5000, "gfx1100");
  EXPECT_EQ(ParseError(file, "sm_90"),
            "m.plan: compiled for target gfx1100, but this backend runs sm_90; recompile with "
            "--target sm_90");
  EXPECT_EQ(ParseError(file, "gfx1100"), "");
  EXPECT_EQ(ParseError(file, ""), "");
  auto parsed = PlanFile::Parse("m.plan", file, "cpu");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(PlanBadFileTest, AbsurdHeaderCounts) {
  std::vector<uint8_t> file = SampleFile();
  for (uint32_t count : {0u, 65u, 0xFFFFFFFFu}) {
    Store<uint32_t>(file, 12, count);
    EXPECT_THAT(
        ParseError(file),
        HasSubstr("header: byte 12: section count: " + absl::StrCat(count) + " is outside 1..64"));
  }
  file = SampleFile();
  Store<uint32_t>(file, 16, 0xFFFFFFF0u);  // producer length
  EXPECT_THAT(ParseError(file), HasSubstr("byte 16: producer: length 4,294,967,280 is over the "
                                          "limit of 256"));
}

// Rewrites entry `name`'s offset or size and the header checksum.
std::vector<uint8_t> WithEntry(const std::string& name, uint64_t offset, uint64_t size) {
  std::vector<uint8_t> file = SampleFile();
  const std::vector<SectionEntry> entries = SectionsOf(file);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].name != name) continue;
    Store<uint64_t>(file, EntryOffset(file, i) + 16, offset);
    Store<uint64_t>(file, EntryOffset(file, i) + 24, size);
  }
  FixHeaderChecksum(file);
  return file;
}

TEST(PlanBadFileTest, SectionTableEntriesOutOfRange) {
  const std::vector<uint8_t> good = SampleFile();
  const std::vector<SectionEntry> entries = SectionsOf(good);
  const SectionEntry& meta = Entry(entries, "meta");
  const SectionEntry& graph = Entry(entries, "graph");
  EXPECT_THAT(ParseError(WithEntry("graph", good.size() - 2, 3)),
              HasSubstr("m.plan: section 'graph': 3 bytes at byte " + WithCommas(good.size() - 2) +
                        " run past the end of the file"));
  EXPECT_THAT(ParseError(WithEntry("graph", UINT64_MAX - 1, 4)), HasSubstr("run past the end"));
  EXPECT_THAT(ParseError(WithEntry("graph", 8, UINT64_MAX)), HasSubstr("inside the header"));
  EXPECT_THAT(ParseError(WithEntry("graph", 16, 4)),
              HasSubstr("section 'graph': starts at byte 16, inside the header"));
  EXPECT_THAT(ParseError(WithEntry("graph", meta.offset + 1, graph.size)),
              HasSubstr("section 'graph' (bytes " + WithCommas(meta.offset + 1) + ".." +
                        WithCommas(meta.offset + 1 + graph.size) + ") overlaps section 'meta'"));
  const SectionEntry& weights = Entry(entries, "weights");
  EXPECT_THAT(ParseError(WithEntry("weights", weights.offset - 8, weights.size)),
              HasSubstr("section 'weights': starts at byte " + WithCommas(weights.offset - 8) +
                        ", not at a multiple of 4,096"));
}

TEST(PlanBadFileTest, SectionNames) {
  std::vector<uint8_t> file = SampleFile();
  // "graph" renamed to "meta": a duplicate.
  std::memcpy(file.data() + EntryOffset(file, 1), "meta\0", 6);
  FixHeaderChecksum(file);
  EXPECT_THAT(ParseError(file), HasSubstr("m.plan: section 'meta': appears twice"));
  // Renamed to an unknown name: the required "graph" is missing.
  std::memcpy(file.data() + EntryOffset(file, 1), "graph2", 6);
  FixHeaderChecksum(file);
  EXPECT_THAT(ParseError(file), HasSubstr("m.plan: section 'graph' is missing"));
  // Garbage after the NUL, or a control character.
  file = SampleFile();
  file[EntryOffset(file, 1) + 10] = 'x';
  FixHeaderChecksum(file);
  EXPECT_THAT(ParseError(file), HasSubstr("section table entry #1: name \"graph\\x00\\x00\\x00"
                                          "\\x00\\x00x"));
  file = SampleFile();
  file[EntryOffset(file, 1)] = '\x1b';
  FixHeaderChecksum(file);
  EXPECT_THAT(ParseError(file), HasSubstr("is not 1..16 printable characters"));
}

TEST(PlanBadFileTest, UnknownSectionsAreSkipped) {
  const Plan plan = SamplePlan();
  const std::vector<uint8_t> meta = internal::EncodeMeta(plan);
  const std::vector<uint8_t> programs = internal::EncodePrograms(plan);
  const std::vector<uint8_t> kernels = internal::EncodeKernels(plan);
  const std::vector<uint8_t> weights = SampleWeights(plan.arena.weights);
  const std::vector<uint8_t> extra(100, 7);
  const std::vector<internal::SectionBytes> sections = {
      {"future-stuff", extra},
      {"weights", weights},
      {"kernels", kernels},
      {"programs", programs},
      {"tokenizer", plan.tokenizer},
      {"meta", meta},
      {"graph",
       {reinterpret_cast<const uint8_t*>(plan.graph_text.data()), plan.graph_text.size()}}};
  auto file = internal::AssembleFile(plan.producer, plan.target, sections);
  ASSERT_TRUE(file.ok());
  auto parsed = PlanFile::Parse("m.plan", *file);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE((*parsed)->plan() == plan);
  // ... but their checksums are still verified.
  (*file)[Entry(SectionsOf(*file), "future-stuff").offset] ^= 1;
  EXPECT_THAT(ParseError(*file), HasSubstr("section 'future-stuff' (100 bytes"));
}

TEST(PlanBadFileTest, MissingSection) {
  const Plan plan = SamplePlan();
  const std::vector<uint8_t> meta = internal::EncodeMeta(plan);
  const std::vector<internal::SectionBytes> sections = {{"meta", meta}};
  auto file = internal::AssembleFile(plan.producer, plan.target, sections);
  ASSERT_TRUE(file.ok());
  EXPECT_THAT(ParseError(*file), HasSubstr("m.plan: section 'graph' is missing from the section "
                                           "table (damaged?); recompile with rfc compile"));
}

TEST(PlanBadFileTest, AbsurdCountsInSections) {
  // Each count is replaced by 2^32 - 1; the decoder must refuse before allocating.
  const Plan plan = SamplePlan();
  {
    std::vector<uint8_t> kernels = internal::EncodeKernels(plan);
    Store<uint32_t>(kernels, 0, 0xFFFFFFFFu);
    EXPECT_THAT(ParseError(FileWith("kernels", kernels)),
                ContainsRegex("section 'kernels': byte [0-9,]+: kernel count: count "
                              "4,294,967,295 cannot fit in the [0-9,]+ bytes left"));
  }
  {
    std::vector<uint8_t> programs = internal::EncodePrograms(plan);
    Store<uint32_t>(programs, 4 + plan.prefill.name.size(), 0x7FFFFFFFu);
    EXPECT_THAT(ParseError(FileWith("programs", programs)),
                HasSubstr("program 'prefill' instruction count: count 2,147,483,647 cannot fit"));
  }
  {
    // The inputs count follows the fixed fields of meta (16 of them the workspace).
    std::vector<uint8_t> meta = internal::EncodeMeta(plan);
    const uint64_t at = 4 + plan.model.arch.size() + 4 + plan.model.name.size() + 12 + 40 + 16;
    Store<uint32_t>(meta, at, 100000);
    EXPECT_THAT(ParseError(FileWith("meta", meta)), HasSubstr("input count: count 100,000"));
  }
  {
    // A kernel's source length.
    std::vector<uint8_t> kernels = internal::EncodeKernels(plan);
    Store<uint32_t>(kernels, 4 + 4 + plan.kernels[0].name.size(), 0xFFFFFF00u);
    EXPECT_THAT(ParseError(FileWith("kernels", kernels)),
                HasSubstr("kernel #0 'k0_rms_norm_f32' source: length 4,294,967,040 runs past"));
  }
}

TEST(PlanBadFileTest, OutOfArenaRefs) {
  Plan plan = SamplePlan();
  plan.prefill.instructions[5].results[0].offset = plan.arena.total() - 100;
  EXPECT_THAT(
      ParseError(FileWith("programs", internal::EncodePrograms(plan))),
      ContainsRegex("m.plan: section 'programs': byte [0-9,]+: program 'prefill' "
                    "instruction #5 \\(silu 'blk.5.silu'\\) result #0: offset 29,732 \\+ 1,024 "
                    "bytes runs past the arena \\(29,832 bytes\\)"));
  plan = SamplePlan();
  plan.outputs[0].ref.offset = UINT64_MAX - 8;  // offset + size overflows
  EXPECT_THAT(
      ParseError(FileWith("meta", internal::EncodeMeta(plan), plan)),
      HasSubstr("output 'logits': offset 18,446,744,073,709,551,607 + 1,024 bytes runs past"));
}

TEST(PlanBadFileTest, TheByteOffsetIsTheRefsPlaceInTheFile) {
  Plan plan = SamplePlan();
  plan.inputs[1].ref.shape = {0};
  const std::vector<uint8_t> file = FileWith("meta", internal::EncodeMeta(plan), plan);
  // meta starts after the header; the ref follows the fixed fields, the first input and a name.
  const uint64_t meta_at = Entry(SectionsOf(file), "meta").offset;
  const uint64_t ref_at = meta_at + 4 + plan.model.arch.size() + 4 + plan.model.name.size() + 12 +
                          40 + 16 + 4 + (4 + 6 + 8 + 4 + 1 + 8) + (4 + 9);
  EXPECT_THAT(ParseError(file), HasSubstr("section 'meta': byte " + WithCommas(ref_at) +
                                          ": input 'positions': dim #0 is 0"));
}

// Changes one field of a copy of the sample plan, encodes it without the writer's checks, and
// returns the reader's error.
template <typename Edit>
std::string ErrorAfter(const std::string& section, Edit edit) {
  Plan plan = SamplePlan();
  edit(plan);
  std::vector<uint8_t> bytes = section == "meta"       ? internal::EncodeMeta(plan)
                               : section == "programs" ? internal::EncodePrograms(plan)
                                                       : internal::EncodeKernels(plan);
  // The other sections come from the unedited sample unless the edit is in meta, which the
  // others' checks depend on.
  return ParseError(FileWith(section, bytes, section == "meta" ? plan : SamplePlan()));
}

TEST(PlanBadFileTest, BadContents) {
  using P = Plan&;
  EXPECT_THAT(
      ErrorAfter("programs", [](P p) { p.decode.instructions[2].op = Opcode::kCount; }),
      HasSubstr("program 'decode' instruction #2: opcode 20 is not one this runtime knows"));
  EXPECT_THAT(ErrorAfter("programs", [](P p) { p.decode.instructions[2].kernels = {3}; }),
              HasSubstr("instruction #2: kernel index 3 is outside 0..2"));
  EXPECT_THAT(ErrorAfter("programs",
                         [](P p) {
                           p.decode.instructions[2].kernels = {0, -1};
                         }),
              HasSubstr("kernel index -1"));
  EXPECT_THAT(ErrorAfter("programs", [](P p) { p.decode.instructions[2].results.clear(); }),
              HasSubstr("has no results"));
  EXPECT_THAT(ErrorAfter("programs", [](P p) { p.decode.name = "decode2"; }),
              HasSubstr("program name: expected 'decode', found 'decode2'"));
  EXPECT_THAT(ErrorAfter("programs", [](P p) { std::swap(p.prefill, p.decode); }),
              HasSubstr("expected 'prefill', found 'decode'"));
  EXPECT_THAT(ErrorAfter("programs", [](P p) { p.prefill.instructions[0].operands[0].type = 99; }),
              HasSubstr("operand #0: unknown type id 99"));
  EXPECT_THAT(ErrorAfter("programs",
                         [](P p) {
                           p.prefill.instructions[0].operands[0].shape = {1, 2, 3, 4, 5};
                         }),
              HasSubstr("operand #0: rank 5 is outside 1..4"));
  EXPECT_THAT(ErrorAfter("programs",
                         [](P p) {
                           p.prefill.instructions[0].operands[1].shape = {32, 31};
                         }),
              HasSubstr("innermost dim 31 is not a multiple of q8_0's block size 32"));
  // Labels may hold any bytes; errors show them escaped.
  EXPECT_THAT(ErrorAfter("programs",
                         [](P p) {
                           p.prefill.instructions[0].label = "a\x1b[2J";
                           p.prefill.instructions[0].results.clear();
                         }),
              HasSubstr("(embedding 'a\\x1b[2J'): has no results"));

  EXPECT_THAT(ErrorAfter("kernels", [](P p) { p.kernels[1].block = 0; }),
              HasSubstr("kernel #1 'k1_matmul_q8_0': block of 0 threads (1..1024)"));
  EXPECT_THAT(ErrorAfter("kernels", [](P p) { p.kernels[1].grid_base = 0; }),
              HasSubstr("grid.x = 0 + 0 * ceil(T / 1) is outside 1..2^32-1 for T in 1..8"));
  EXPECT_THAT(ErrorAfter("kernels", [](P p) { p.kernels[1].grid_per_tile = 1u << 30; }),
              HasSubstr("grid.x = 8 + 1073741824 * ceil(T / 1) is outside"));
  EXPECT_THAT(ErrorAfter("kernels", [](P p) { p.kernels[1].grid_y = 0; }),
              HasSubstr("token tile and grid.y must be at least 1"));
  EXPECT_THAT(ErrorAfter("kernels", [](P p) { p.kernels[1].name = ""; }),
              HasSubstr("kernel #1 name: is empty"));
  EXPECT_THAT(ErrorAfter("kernels", [](P p) { p.kernels[2].name = p.kernels[0].name; }),
              HasSubstr("kernel #2: name 'k0_rms_norm_f32' is used twice"));
  EXPECT_THAT(ErrorAfter("kernels", [](P p) { p.kernels[2].source = ""; }),
              HasSubstr("kernel #2 'k2_attention': has no source"));

  EXPECT_THAT(ErrorAfter("meta", [](P p) { p.model.max_batch = 0; }),
              HasSubstr("model: n_vocab 32, max_context 64, max_batch 0: each must be at least 1"));
  EXPECT_THAT(ErrorAfter("meta", [](P p) { p.model.arch = ""; }),
              HasSubstr("model architecture: is empty"));
  EXPECT_THAT(ErrorAfter("meta", [](P p) { p.n_tokens_offset = 0; }),
              HasSubstr("n_tokens offset: 0 is not an aligned i32 in the step-parameter region"));
  EXPECT_THAT(ErrorAfter("meta", [](P p) { p.n_tokens_offset = p.arena.total() - 2; }),
              HasSubstr("is not an aligned i32"));
  EXPECT_THAT(ErrorAfter("meta", [](P p) { p.inputs[1].name = "tokens"; }),
              HasSubstr("input 'tokens': is bound twice"));
  EXPECT_THAT(ErrorAfter("meta", [](P p) { p.outputs[0].name = ""; }),
              HasSubstr("output #0 name: is empty"));
  EXPECT_THAT(ErrorAfter("meta", [](P p) { p.arena.kv_cache = uint64_t{1} << 61; }),
              HasSubstr("arena: a region is larger than 2^60 bytes"));
}

TEST(PlanBadFileTest, WeightsSizeDisagreesWithTheArena) {
  Plan plan = SamplePlan();
  plan.arena.weights += 8;
  plan.n_tokens_offset += 8;
  // Sections encoded for the larger arena, weights of the old size.
  const std::vector<uint8_t> meta = internal::EncodeMeta(plan);
  const std::vector<uint8_t> programs = internal::EncodePrograms(plan);
  const std::vector<uint8_t> kernels = internal::EncodeKernels(plan);
  const std::vector<uint8_t> weights = SampleWeights(5000);
  const std::vector<internal::SectionBytes> sections = {
      {"meta", meta},    {"graph", {}},        {"programs", programs},
      {"tokenizer", {}}, {"kernels", kernels}, {"weights", weights}};
  auto file = internal::AssembleFile(plan.producer, plan.target, sections);
  ASSERT_TRUE(file.ok());
  EXPECT_THAT(ParseError(*file), HasSubstr("m.plan: section 'weights': 5,000 bytes, but the "
                                           "arena's weights region is 5,008"));
}

TEST(PlanBadFileTest, TrailingBytesInASection) {
  std::vector<uint8_t> meta = internal::EncodeMeta(SamplePlan());
  meta.push_back(0);
  EXPECT_THAT(ParseError(FileWith("meta", meta)),
              ContainsRegex("section 'meta': byte [0-9,]+: end of section: 1 bytes left over"));
}

TEST(PlanBadFileTest, ChecksumsOffStillChecksEverythingElse) {
  // What the fuzzer runs: with checksums off, a damaged section is caught by its decoder.
  std::vector<uint8_t> file = SampleFile();
  const SectionEntry programs = Entry(SectionsOf(file), "programs");
  Store<uint16_t>(file, programs.offset + 4 + 7 + 4, 500);  // first prefill opcode
  auto parsed = internal::PlanParser::Parse("m.plan", file, "", {.verify_checksums = false});
  EXPECT_THAT(parsed.status().message(), HasSubstr("opcode 500 is not one this runtime knows"));
  FixSectionChecksum(file, "programs");
  EXPECT_THAT(ParseError(file), HasSubstr("opcode 500"));
}

}  // namespace
}  // namespace rf::plan
