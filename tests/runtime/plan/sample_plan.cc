#include "tests/runtime/plan/sample_plan.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "quant/types.h"
#include "runtime/plan/plan_layout.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace rf::plan::testing {
namespace {

constexpr uint32_t kF32 = static_cast<uint32_t>(quant::GgmlType::kF32);
constexpr uint32_t kI32 = static_cast<uint32_t>(quant::GgmlType::kI32);
constexpr uint32_t kQ8_0 = static_cast<uint32_t>(quant::GgmlType::kQ8_0);
constexpr uint32_t kQ4_0 = static_cast<uint32_t>(quant::GgmlType::kQ4_0);

template <typename T>
T Load(std::span<const uint8_t> bytes, uint64_t at) {
  T v;
  std::memcpy(&v, bytes.data() + at, sizeof(T));
  return v;
}

template <typename T>
void Store(std::vector<uint8_t>& bytes, uint64_t at, T v) {
  std::memcpy(bytes.data() + at, &v, sizeof(T));
}

uint64_t EntriesStart(std::span<const uint8_t> file) {
  uint64_t at = 16;
  at += 4 + Load<uint32_t>(file, at);  // producer
  at += 4 + Load<uint32_t>(file, at);  // target
  return at;
}

uint64_t HeaderChecksumAt(std::span<const uint8_t> file) {
  return EntriesStart(file) + Load<uint32_t>(file, 12) * uint64_t{40};
}

}  // namespace

std::vector<uint8_t> SampleWeights(uint64_t n) {
  std::vector<uint8_t> w(n);
  for (uint64_t i = 0; i < n; ++i) w[i] = static_cast<uint8_t>((i * 131 + (i >> 9)) & 0xFF);
  return w;
}

Plan SamplePlan(uint64_t weight_bytes, const std::string& target) {
  Plan p;
  p.producer = "rocmforge 0.1.0";
  p.target = target;
  p.model = {.arch = "llama",
             .name = "sample \"model\"",
             .n_vocab = 32,
             .max_context = 64,
             .max_batch = 8};
  p.arena = {.weights = weight_bytes, .kv_cache = 8192, .activations = 16384, .step_params = 256};
  const uint64_t kv = p.arena.weights, act = kv + p.arena.kv_cache,
                 params = act + p.arena.activations;
  p.n_tokens_offset = params;
  p.workspace_offset = act + 8192;
  p.workspace_bytes = 4096;
  p.inputs = {{"tokens", {params + 64, kI32, {kDimT}}},
              {"positions", {params + 128, kI32, {kDimT}}}};
  p.outputs = {{"logits", {act, kF32, {kDimT, 32}}}};

  const TensorRef embd{0, kQ8_0, {32, 32}};   // 1,088 bytes
  const TensorRef norm{1088, kF32, {32}};     // 128
  const TensorRef wq{1216, kQ4_0, {32, 32}};  // 576, ends at 1,792
  const TensorRef x{act + 1024, kF32, {kDimT, 32}};
  const TensorRef y{act + 2048, kF32, {kDimT, 32}};
  const TensorRef cache{kv, kF32, {64, 2, 16}};  // 8,192
  const TensorRef last{act + 4096, kF32, {1, 32}};

  p.kernels = {
      {.name = "k0_rms_norm_f32",
       .source = "// rms_norm: x[T, 32]\nextern \"C\" __global__ void k0_rms_norm_f32() {}\n",
       .block = 128,
       .grid_base = 1,
       .grid_per_tile = 4,
       .token_tile = 1,
       .grid_y = 2,
       .code_object = SampleWeights(300)},
      {.name = "k1_matmul_q8_0",
       .source = "extern \"C\" __global__ void k1_matmul_q8_0() {}\n",
       .block = 32,
       .grid_base = 8,
       .grid_per_tile = 0,
       .token_tile = 1,
       .grid_y = 1,
       .code_object = {}},
      {.name = "k2_attention",
       .source = "extern \"C\" __global__ void k2_attention() {}\n",
       .block = 64,
       .grid_base = 0,
       .grid_per_tile = 1,
       .token_tile = 32,
       .grid_y = 3,
       .code_object = std::vector<uint8_t>(17, 0xAB)},
  };

  p.prefill.name = "prefill";
  p.decode.name = "decode";
  for (int k = 0; k < static_cast<int>(Opcode::kCount); ++k) {
    Instruction ins;
    ins.op = static_cast<Opcode>(k);
    ins.operands = {x, k % 2 ? wq : embd, norm};
    if (k % 3 == 0) ins.operands.push_back(cache);
    ins.results = {k % 4 == 3 ? last : y};
    if (k % 5 == 0) ins.results.push_back(cache);
    ins.ints = {k, -k, int64_t{1} << 40};
    ins.floats = {0.5f * static_cast<float>(k), 1e-6f, -3.25f};
    ins.kernels = {k % 3};
    if (k % 2) ins.kernels.push_back((k + 1) % 3);
    ins.label = absl::StrCat("blk.", k, ".", OpcodeName(ins.op));
    p.prefill.instructions.push_back(ins);
    ins.kernels.clear();
    if (k % 4 != 0) ins.kernels.push_back((k + 1) % 3);
    ins.ints.pop_back();
    ins.floats.clear();
    p.decode.instructions.push_back(std::move(ins));
  }
  p.graph_text =
      "%x = input \"tokens\" : T x i32\n%w = weight \"token_embd.weight\" : 32 x 32 x q8_0\n"
      "%e = embedding(%w, %x) : T x 32 x f32\n";
  p.tokenizer = SampleWeights(200);
  return p;
}

std::vector<uint8_t> SampleFile(uint64_t weight_bytes, const std::string& target) {
  const Plan plan = SamplePlan(weight_bytes, target);
  const std::vector<uint8_t> weights = SampleWeights(weight_bytes);
  auto file = internal::EncodePlanFile(plan, weights);
  if (!file.ok()) {
    std::fprintf(stderr, "SampleFile: %s\n", std::string(file.status().message()).c_str());
    std::abort();
  }
  return *std::move(file);
}

std::vector<SectionEntry> SectionsOf(std::span<const uint8_t> file) {
  std::vector<SectionEntry> entries;
  const uint32_t count = Load<uint32_t>(file, 12);
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t at = EntryOffset(file, i);
    SectionEntry e;
    e.name = std::string(reinterpret_cast<const char*>(file.data() + at),
                         strnlen(reinterpret_cast<const char*>(file.data() + at), 16));
    e.offset = Load<uint64_t>(file, at + 16);
    e.size = Load<uint64_t>(file, at + 24);
    e.checksum = Load<uint64_t>(file, at + 32);
    entries.push_back(e);
  }
  return entries;
}

uint64_t EntryOffset(std::span<const uint8_t> file, size_t index) {
  return EntriesStart(file) + index * 40;
}

void FixHeaderChecksum(std::vector<uint8_t>& file) {
  const uint64_t at = HeaderChecksumAt(file);
  Store<uint64_t>(file, at, XXH64(file.data(), at, 0));
}

void FixSectionChecksum(std::vector<uint8_t>& file, const std::string& section) {
  const std::vector<SectionEntry> entries = SectionsOf(file);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].name != section) continue;
    Store<uint64_t>(file, EntryOffset(file, i) + 32,
                    XXH64(file.data() + entries[i].offset, entries[i].size, 0));
  }
  FixHeaderChecksum(file);
}

}  // namespace rf::plan::testing
