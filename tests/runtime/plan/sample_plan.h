// Test-only plans: a small plan with every field filled (every opcode in both programs, kernels
// with and without code objects, bindings, graph text, tokenizer bytes, weights), and helpers to
// damage plan files in controlled ways.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/plan/plan.h"

namespace rf::plan::testing {

// The sample plan for target `target` with `weight_bytes` bytes of weights.
Plan SamplePlan(uint64_t weight_bytes = 5000, const std::string& target = "gfx1100");
// Deterministic, position-dependent weight bytes.
std::vector<uint8_t> SampleWeights(uint64_t n);
// The sample plan's file bytes, as WritePlan writes them.
std::vector<uint8_t> SampleFile(uint64_t weight_bytes = 5000,
                                const std::string& target = "gfx1100");

// The section table of a file (read without checks beyond the header's own).
std::vector<SectionEntry> SectionsOf(std::span<const uint8_t> file);
// Recomputes the header checksum after a test edited the header.
void FixHeaderChecksum(std::vector<uint8_t>& file);
// Recomputes a section's checksum (and the header's) after a test edited the section.
void FixSectionChecksum(std::vector<uint8_t>& file, const std::string& section);
// Offset of section table entry `index` in the header.
uint64_t EntryOffset(std::span<const uint8_t> file, size_t index);

}  // namespace rf::plan::testing
