// The plan: the contract between the compiler and the runtime. `rfc compile -o M.plan` writes it;
// rfrun and rfbench load it. The runtime never links the compiler: everything it needs to run a
// model is here, resolved to arena offsets.
//
// File layout (little-endian; "str" is a u32 length then that many bytes):
//   header   "RFPLAN\r\n" (8 bytes), u32 format version, u32 section count (1..64),
//            str producer ("rocmforge 0.1.0"), str target ("cpu", "gfx1100", "sm_90", ...),
//            section table: count x {char name[16] (NUL-padded), u64 offset, u64 size, u64 xxh64},
//            u64 xxh64 of all the header bytes before it
//   section bodies, each at its offset (8-aligned), in the order below; "weights" (unless empty)
//            starts at a multiple of kWeightsAlignment, so the loader can read it straight into
//            place
// Sections (every one is required; a name this runtime does not know is skipped after its bounds
// and checksum are checked, so a later rfc may add an optional section without a version bump):
//   "meta"      ModelInfo, ArenaLayout, the step scalars' offsets, inputs/outputs (plan_format.cc)
//   "graph"     the IR text after the pipeline (for people: `rfc inspect`, debugging)
//   "programs"  the prefill and decode step programs
//   "tokenizer" the serialized tokenizer::Vocab (runtime/tokenizer/vocab_serialize.h)
//   "kernels"   GPU kernel sources, launch shapes and optional code objects (none for cpu)
//   "weights"   the weights region of the arena, byte for byte in arena order
// Reading checks everything before anything is used: magic, version, header checksum, target,
// the section table (in the file, no overlaps, no duplicates), each section's checksum, every count
// and length against the bytes left, opcodes, shapes and types, every tensor inside the arena,
// kernel indices. A failure is an error naming the file, the section, the byte offset where it
// applies and what was expected — never a crash. WritePlan runs the same checks on what it is about
// to write, so rfc cannot write a plan the runtime rejects.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "support/mapped_file.h"

namespace rf::plan {

inline constexpr char kMagic[8] = {'R', 'F', 'P', 'L', 'A', 'N', '\r', '\n'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr uint64_t kWeightsAlignment = 4096;

// The runtime's op vocabulary: the IR's compute ops (sources and views need no instruction).
enum class Opcode : uint16_t {
  kEmbedding = 0,
  kRmsNorm,
  kMatmul,
  kAdd,
  kMul,
  kSilu,
  kGelu,
  kRope,
  kKvStore,
  kAttention,
  kSoftmax,
  kLastToken,
  kArgmax,
  kAddRmsNorm,
  kMatmulAdd,
  kRmsNormMatmul,
  kMatmulSiluMul,
  kRmsNormMatmulSiluMul,
  kRopeAttention,
  kRmsNormMatmulQkv,  // appended: the numbers above are in plan files already written
  kCount,
};
const char* OpcodeName(Opcode op);

// The symbolic dim T (tokens in this step) in a TensorRef's shape.
inline constexpr int64_t kDimT = -1;

// A tensor an instruction reads or writes: where it is in the arena, its element type (a ggml type
// id, quant::GgmlType) and its shape (outermost first; kDimT for the step's token count).
struct TensorRef {
  uint64_t offset = 0;
  uint32_t type = 0;
  std::vector<int64_t> shape;
  bool operator==(const TensorRef&) const = default;
};

// One step of a program: an op over tensors, with its parameters. Integer and float parameters
// are op-specific, in a fixed order documented in runtime/cpu/executor.cc (e.g. rope: ints
// {style (0 norm, 1 neox), n_rot}, floats {theta}).
struct Instruction {
  Opcode op = Opcode::kEmbedding;
  std::vector<TensorRef> operands;
  std::vector<TensorRef> results;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<int32_t> kernels;  // indices into Plan::kernels, launched in order (none on cpu)
  std::string label;             // the IR op it came from, for error messages and per-kernel timing
  bool operator==(const Instruction&) const = default;
};

struct Program {
  std::string name;  // "prefill" or "decode"
  std::vector<Instruction> instructions;
  bool operator==(const Program&) const = default;
};

struct ArenaLayout {
  uint64_t weights = 0;
  uint64_t kv_cache = 0;
  uint64_t activations = 0;
  uint64_t step_params = 0;
  uint64_t total() const { return weights + kv_cache + activations + step_params; }
  bool operator==(const ArenaLayout&) const = default;
};

struct ModelInfo {
  std::string arch;  // "llama", "qwen2"
  std::string name;
  uint32_t n_vocab = 0;
  uint32_t max_context = 0;  // KV cache positions
  uint32_t max_batch = 0;    // the bound of T
  bool operator==(const ModelInfo&) const = default;
};

// A named graph input or output ("tokens", "positions", "logits").
struct Binding {
  std::string name;
  TensorRef ref;
  bool operator==(const Binding&) const = default;
};
// The binding named `name`, or null.
const Binding* FindBinding(const std::vector<Binding>& bindings, absl::string_view name);

// A GPU kernel: source text (prelude excluded; the name is its entry point) and launch shape.
// Blocks of `block` threads; the grid grows with the step's token count T:
//   grid.x = grid_base + grid_per_tile * ceil(T / token_tile),  grid.y = grid_y.
// Its parameters are the instruction's operands and results, then the step scalars and the
// workspace (codegen/kernels.h). Filled by the GPU codegen.
struct Kernel {
  std::string name;
  std::string source;
  uint32_t block = 1;
  uint32_t grid_base = 1;
  uint32_t grid_per_tile = 0;
  uint32_t token_tile = 1;
  uint32_t grid_y = 1;
  std::vector<uint8_t> code_object;  // compiled ahead of time (--aot), else empty
  bool operator==(const Kernel&) const = default;
};

struct Plan {
  std::string producer;
  std::string target;
  ModelInfo model;
  ArenaLayout arena;
  uint64_t n_tokens_offset = 0;  // absolute arena offset of the step's token count (i32)
  // Scratch for kernels within one launch (split attention), inside the activation region;
  // zeroed at load. 0 bytes on cpu.
  uint64_t workspace_offset = 0;
  uint64_t workspace_bytes = 0;
  std::vector<Binding> inputs;
  std::vector<Binding> outputs;
  Program prefill;
  Program decode;
  std::string graph_text;
  std::vector<uint8_t> tokenizer;  // serialized tokenizer::Vocab
  std::vector<Kernel> kernels;
  bool operator==(const Plan&) const = default;
};

// Bytes a tensor takes when T is `tokens` (for its kDimT dims). An error for a shape or type the
// plan format rejects: rank outside 1..4, a dim that is neither > 0 nor kDimT, a type id ggml does
// not define, an innermost dim that is not a whole number of the type's blocks, a size over 2^62.
absl::StatusOr<uint64_t> TensorBytes(const TensorRef& ref, int64_t tokens);

// OK if arena bytes [offset, offset + bytes) lie inside `plan`'s arena; else an error saying so.
absl::Status CheckArenaRange(const Plan& plan, uint64_t offset, uint64_t bytes);

// One entry of a plan file's section table.
struct SectionEntry {
  std::string name;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t checksum = 0;  // xxh64 (seed 0) of the section's bytes
  bool operator==(const SectionEntry&) const = default;
};

namespace internal {
class PlanParser;
}  // namespace internal

// Writes `plan` and the weights region (`weights`, exactly plan.arena.weights bytes) to `path`
// atomically: a temporary file renamed into place, so a failed compile leaves nothing behind.
absl::Status WritePlan(const std::string& path, const Plan& plan, std::span<const uint8_t> weights);

// A plan read from a file: the file is memory-mapped; weights() is a view into it.
class PlanFile {
 public:
  // Reads and checks `path`. With a non-empty `expected_target`, a plan for another target is an
  // error that names both.
  static absl::StatusOr<std::unique_ptr<PlanFile>> Open(const std::string& path,
                                                        absl::string_view expected_target = "");
  // Parses bytes the caller keeps alive (tests, fuzzing); `name` is used in errors.
  static absl::StatusOr<std::unique_ptr<PlanFile>> Parse(std::string name,
                                                         std::span<const uint8_t> bytes,
                                                         absl::string_view expected_target = "");

  const Plan& plan() const { return plan_; }
  std::span<const uint8_t> weights() const { return weights_; }
  const std::string& name() const { return name_; }
  // The section table as read (for `rfc inspect`), and the whole file's size.
  const std::vector<SectionEntry>& sections() const { return sections_; }
  uint64_t file_size() const { return file_size_; }

 private:
  friend class internal::PlanParser;
  PlanFile() = default;
  std::string name_;
  MappedFile mapping_;
  Plan plan_;
  std::span<const uint8_t> weights_;
  std::vector<SectionEntry> sections_;
  uint64_t file_size_ = 0;
};

}  // namespace rf::plan
