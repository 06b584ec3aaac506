// The encoding of the meta, kernels and programs sections (layout in plan_format.h), and the checks
// their decoders make on everything they read.
#include "runtime/plan/plan_format.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "support/format.h"
#include "support/status.h"

namespace rf::plan::internal {
namespace {

// Longest names and labels a plan may hold: enough for any IR label, small enough to print.
constexpr uint32_t kMaxNameBytes = 256;
constexpr uint32_t kMaxLabelBytes = 1024;
constexpr uint32_t kMaxRank = 4;
// The smallest encodings, for checking counts against the bytes left.
constexpr uint64_t kMinRefBytes = 8 + 4 + 1 + 8;                  // rank 1
constexpr uint64_t kMinBindingBytes = 4 + 1 + kMinRefBytes;       // a 1-byte name
constexpr uint64_t kMinKernelBytes = 4 + 1 + 4 + 1 + 5 * 4 + 4;  // 1-byte name and source
constexpr uint64_t kMinInstructionBytes = 2 + 4 + 4 + 4 * 4 + kMinRefBytes;  // one result

// --- Encoding ---------------------------------------------------------------------------------

void PutRef(const TensorRef& ref, ByteWriter& out) {
  out.Write<uint64_t>(ref.offset);
  out.Write<uint32_t>(ref.type);
  out.Write<uint8_t>(static_cast<uint8_t>(ref.shape.size()));
  for (int64_t d : ref.shape) out.Write<int64_t>(d);
}

void PutBindings(const std::vector<Binding>& bindings, ByteWriter& out) {
  out.Write<uint32_t>(static_cast<uint32_t>(bindings.size()));
  for (const Binding& b : bindings) {
    out.String(b.name);
    PutRef(b.ref, out);
  }
}

void PutProgram(const Program& program, ByteWriter& out) {
  out.String(program.name);
  out.Write<uint32_t>(static_cast<uint32_t>(program.instructions.size()));
  for (const Instruction& ins : program.instructions) {
    out.Write<uint16_t>(static_cast<uint16_t>(ins.op));
    out.Write<uint32_t>(static_cast<uint32_t>(ins.kernels.size()));
    for (int32_t k : ins.kernels) out.Write<int32_t>(k);
    out.String(ins.label);
    for (const auto* refs : {&ins.operands, &ins.results}) {
      out.Write<uint32_t>(static_cast<uint32_t>(refs->size()));
      for (const TensorRef& ref : *refs) PutRef(ref, out);
    }
    out.Write<uint32_t>(static_cast<uint32_t>(ins.ints.size()));
    for (int64_t v : ins.ints) out.Write<int64_t>(v);
    out.Write<uint32_t>(static_cast<uint32_t>(ins.floats.size()));
    for (float v : ins.floats) out.Write<float>(v);
  }
}

// --- Decoding ---------------------------------------------------------------------------------

absl::StatusOr<std::string> ReadName(ByteReader& in, absl::string_view field,
                                     uint32_t max_len = kMaxNameBytes) {
  const uint64_t at = in.offset();
  RF_ASSIGN_OR_RETURN(absl::string_view s, in.String(field, max_len));
  if (s.empty()) return in.ErrorAt(at, field, "is empty");
  return std::string(s);
}

// A tensor reference, checked: its shape and type (TensorBytes, with T at its bound) and its bytes
// inside the arena.
absl::StatusOr<TensorRef> ReadRef(ByteReader& in, const Plan& plan, absl::string_view field) {
  const uint64_t at = in.offset();
  TensorRef ref;
  RF_ASSIGN_OR_RETURN(ref.offset, in.Read<uint64_t>(field));
  RF_ASSIGN_OR_RETURN(ref.type, in.Read<uint32_t>(field));
  RF_ASSIGN_OR_RETURN(uint8_t rank, in.Read<uint8_t>(field));
  if (rank < 1 || rank > kMaxRank) {
    return in.ErrorAt(at, field, absl::StrCat("rank ", rank, " is outside 1..", kMaxRank));
  }
  ref.shape.resize(rank);
  for (int64_t& d : ref.shape) {
    RF_ASSIGN_OR_RETURN(d, in.Read<int64_t>(field));
  }
  auto bytes = TensorBytes(ref, plan.model.max_batch);
  if (!bytes.ok()) return in.ErrorAt(at, field, bytes.status().message());
  const uint64_t arena = plan.arena.total();
  if (*bytes > arena || ref.offset > arena - *bytes) {
    return in.ErrorAt(at, field,
                      absl::StrCat("offset ", WithCommas(ref.offset), " + ", WithCommas(*bytes),
                                   " bytes runs past the arena (", WithCommas(arena), " bytes)"));
  }
  return ref;
}

absl::Status ReadBindings(ByteReader& in, const Plan& plan, absl::string_view what,
                          std::vector<Binding>* out) {
  RF_ASSIGN_OR_RETURN(uint32_t n, in.Count(absl::StrCat(what, " count"), kMinBindingBytes));
  out->reserve(n);
  absl::flat_hash_set<std::string> seen;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t at = in.offset();
    const std::string field = absl::StrCat(what, " #", i);
    Binding b;
    RF_ASSIGN_OR_RETURN(b.name, ReadName(in, absl::StrCat(field, " name")));
    const std::string named = absl::StrCat(what, " '", Printable(b.name), "'");
    if (!seen.insert(b.name).second) return in.ErrorAt(at, named, "is bound twice");
    RF_ASSIGN_OR_RETURN(b.ref, ReadRef(in, plan, named));
    out->push_back(std::move(b));
  }
  return absl::OkStatus();
}

absl::StatusOr<Kernel> ReadKernel(ByteReader& in, const Plan& plan, uint32_t index) {
  const uint64_t at = in.offset();
  Kernel k;
  RF_ASSIGN_OR_RETURN(k.name, ReadName(in, absl::StrCat("kernel #", index, " name")));
  const std::string field = absl::StrCat("kernel #", index, " '", Printable(k.name), "'");
  RF_ASSIGN_OR_RETURN(absl::string_view source, in.String(absl::StrCat(field, " source")));
  if (source.empty()) return in.ErrorAt(at, field, "has no source");
  k.source = std::string(source);
  for (uint32_t* v : {&k.block, &k.grid_base, &k.grid_per_tile, &k.token_tile, &k.grid_y}) {
    RF_ASSIGN_OR_RETURN(*v, in.Read<uint32_t>(field));
  }
  RF_ASSIGN_OR_RETURN(absl::string_view code, in.String(absl::StrCat(field, " code object")));
  k.code_object.assign(code.begin(), code.end());
  // Launch shapes: blocks of 1..1024 threads, and grids of at least one block that stay in 32
  // bits for every T in 1..max_batch (the runtime computes them in u32).
  if (k.block == 0 || k.block > 1024) {
    return in.ErrorAt(at, field, absl::StrCat("block of ", k.block, " threads (1..1024)"));
  }
  if (k.token_tile == 0 || k.grid_y == 0) {
    return in.ErrorAt(at, field, "token tile and grid.y must be at least 1");
  }
  const uint64_t tiles = (uint64_t{plan.model.max_batch} + k.token_tile - 1) / k.token_tile;
  const uint64_t largest = uint64_t{k.grid_base} + uint64_t{k.grid_per_tile} * tiles;
  if (uint64_t{k.grid_base} + k.grid_per_tile == 0 || largest > UINT32_MAX) {
    return in.ErrorAt(at, field,
                      absl::StrCat("grid.x = ", k.grid_base, " + ", k.grid_per_tile,
                                   " * ceil(T / ", k.token_tile, ") is outside 1..2^32-1 for T in 1..",
                                   plan.model.max_batch));
  }
  return k;
}

absl::StatusOr<Instruction> ReadInstruction(ByteReader& in, const Plan& plan,
                                            absl::string_view where) {
  const uint64_t at = in.offset();
  Instruction ins;
  RF_ASSIGN_OR_RETURN(uint16_t op, in.Read<uint16_t>(where));
  if (op >= static_cast<uint16_t>(Opcode::kCount)) {
    return in.ErrorAt(at, where,
                      absl::StrCat("opcode ", op, " is not one this runtime knows (0..",
                                   static_cast<int>(Opcode::kCount) - 1, ")"));
  }
  ins.op = static_cast<Opcode>(op);
  RF_ASSIGN_OR_RETURN(uint32_t n_kernels, in.Read<uint32_t>(where));
  if (n_kernels > 8) {
    return in.ErrorAt(at, where, absl::StrCat(n_kernels, " kernels for one instruction (at most 8)"));
  }
  for (uint32_t i = 0; i < n_kernels; ++i) {
    RF_ASSIGN_OR_RETURN(int32_t k, in.Read<int32_t>(where));
    if (k < 0 || k >= static_cast<int64_t>(plan.kernels.size())) {
      return in.ErrorAt(at, where,
                        absl::StrCat("kernel index ", k, " is outside 0..",
                                     static_cast<int64_t>(plan.kernels.size()) - 1));
    }
    ins.kernels.push_back(k);
  }
  RF_ASSIGN_OR_RETURN(absl::string_view label,
                      in.String(absl::StrCat(where, " label"), kMaxLabelBytes));
  ins.label = std::string(label);
  const std::string field =
      absl::StrCat(where, " (", OpcodeName(ins.op), " '", Printable(ins.label), "')");
  for (auto [refs, what] : {std::pair{&ins.operands, "operand"}, {&ins.results, "result"}}) {
    RF_ASSIGN_OR_RETURN(uint32_t n,
                        in.Count(absl::StrCat(field, " ", what, " count"), kMinRefBytes));
    refs->reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      RF_ASSIGN_OR_RETURN(TensorRef ref,
                          ReadRef(in, plan, absl::StrCat(field, " ", what, " #", i)));
      refs->push_back(std::move(ref));
    }
  }
  if (ins.results.empty()) return in.ErrorAt(at, field, "has no results");
  RF_ASSIGN_OR_RETURN(uint32_t n_ints, in.Count(absl::StrCat(field, " int count"), 8));
  ins.ints.resize(n_ints);
  for (int64_t& v : ins.ints) {
    RF_ASSIGN_OR_RETURN(v, in.Read<int64_t>(field));
  }
  RF_ASSIGN_OR_RETURN(uint32_t n_floats, in.Count(absl::StrCat(field, " float count"), 4));
  ins.floats.resize(n_floats);
  for (float& v : ins.floats) {
    RF_ASSIGN_OR_RETURN(v, in.Read<float>(field));
  }
  return ins;
}

absl::Status ReadProgram(ByteReader& in, const Plan& plan, absl::string_view expected_name,
                         Program* program) {
  const uint64_t at = in.offset();
  RF_ASSIGN_OR_RETURN(absl::string_view name, in.String("program name", kMaxNameBytes));
  if (name != expected_name) {
    return in.ErrorAt(
        at, "program name",
        absl::StrCat("expected '", expected_name, "', found '", Printable(name), "'"));
  }
  program->name = std::string(name);
  const std::string where = absl::StrCat("program '", name, "'");
  RF_ASSIGN_OR_RETURN(uint32_t n,
                      in.Count(absl::StrCat(where, " instruction count"), kMinInstructionBytes));
  program->instructions.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    RF_ASSIGN_OR_RETURN(Instruction ins,
                        ReadInstruction(in, plan, absl::StrCat(where, " instruction #", i)));
    program->instructions.push_back(std::move(ins));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<uint8_t> EncodeMeta(const Plan& plan) {
  ByteWriter out;
  out.String(plan.model.arch);
  out.String(plan.model.name);
  out.Write<uint32_t>(plan.model.n_vocab);
  out.Write<uint32_t>(plan.model.max_context);
  out.Write<uint32_t>(plan.model.max_batch);
  out.Write<uint64_t>(plan.arena.weights);
  out.Write<uint64_t>(plan.arena.kv_cache);
  out.Write<uint64_t>(plan.arena.activations);
  out.Write<uint64_t>(plan.arena.step_params);
  out.Write<uint64_t>(plan.n_tokens_offset);
  out.Write<uint64_t>(plan.workspace_offset);
  out.Write<uint64_t>(plan.workspace_bytes);
  PutBindings(plan.inputs, out);
  PutBindings(plan.outputs, out);
  return out.Take();
}

std::vector<uint8_t> EncodeKernels(const Plan& plan) {
  ByteWriter out;
  out.Write<uint32_t>(static_cast<uint32_t>(plan.kernels.size()));
  for (const Kernel& k : plan.kernels) {
    out.String(k.name);
    out.String(k.source);
    for (uint32_t v : {k.block, k.grid_base, k.grid_per_tile, k.token_tile, k.grid_y}) {
      out.Write<uint32_t>(v);
    }
    out.String(absl::string_view(reinterpret_cast<const char*>(k.code_object.data()),
                                 k.code_object.size()));
  }
  return out.Take();
}

std::vector<uint8_t> EncodePrograms(const Plan& plan) {
  ByteWriter out;
  PutProgram(plan.prefill, out);
  PutProgram(plan.decode, out);
  return out.Take();
}

absl::Status DecodeMeta(ByteReader& in, Plan* plan) {
  ModelInfo& m = plan->model;
  RF_ASSIGN_OR_RETURN(m.arch, ReadName(in, "model architecture"));
  RF_ASSIGN_OR_RETURN(absl::string_view name, in.String("model name", kMaxLabelBytes));
  m.name = std::string(name);
  const uint64_t counts_at = in.offset();
  RF_ASSIGN_OR_RETURN(m.n_vocab, in.Read<uint32_t>("n_vocab"));
  RF_ASSIGN_OR_RETURN(m.max_context, in.Read<uint32_t>("max_context"));
  RF_ASSIGN_OR_RETURN(m.max_batch, in.Read<uint32_t>("max_batch"));
  if (m.n_vocab == 0 || m.max_context == 0 || m.max_batch == 0) {
    return in.ErrorAt(counts_at, "model",
                      absl::StrCat("n_vocab ", m.n_vocab, ", max_context ", m.max_context,
                                   ", max_batch ", m.max_batch, ": each must be at least 1"));
  }

  const uint64_t arena_at = in.offset();
  ArenaLayout& a = plan->arena;
  RF_ASSIGN_OR_RETURN(a.weights, in.Read<uint64_t>("arena weights"));
  RF_ASSIGN_OR_RETURN(a.kv_cache, in.Read<uint64_t>("arena kv_cache"));
  RF_ASSIGN_OR_RETURN(a.activations, in.Read<uint64_t>("arena activations"));
  RF_ASSIGN_OR_RETURN(a.step_params, in.Read<uint64_t>("arena step_params"));
  // Regions of at most 2^60 bytes each, so that total() and offsets within it never overflow.
  constexpr uint64_t kMaxRegion = uint64_t{1} << 60;
  if (a.weights > kMaxRegion || a.kv_cache > kMaxRegion || a.activations > kMaxRegion ||
      a.step_params > kMaxRegion) {
    return in.ErrorAt(arena_at, "arena", "a region is larger than 2^60 bytes");
  }

  const uint64_t n_tokens_at = in.offset();
  RF_ASSIGN_OR_RETURN(plan->n_tokens_offset, in.Read<uint64_t>("n_tokens offset"));
  const uint64_t params = a.weights + a.kv_cache + a.activations;
  if (plan->n_tokens_offset < params || plan->n_tokens_offset > a.total() ||
      a.total() - plan->n_tokens_offset < sizeof(int32_t) || plan->n_tokens_offset % 4 != 0) {
    return in.ErrorAt(n_tokens_at, "n_tokens offset",
                      absl::StrCat(WithCommas(plan->n_tokens_offset),
                                   " is not an aligned i32 in the step-parameter region (bytes ",
                                   WithCommas(params), "..", WithCommas(a.total()), ")"));
  }
  const uint64_t workspace_at = in.offset();
  RF_ASSIGN_OR_RETURN(plan->workspace_offset, in.Read<uint64_t>("workspace offset"));
  RF_ASSIGN_OR_RETURN(plan->workspace_bytes, in.Read<uint64_t>("workspace bytes"));
  const uint64_t activations = a.weights + a.kv_cache;
  if (plan->workspace_bytes > 0 &&
      (plan->workspace_offset < activations || plan->workspace_offset > params ||
       plan->workspace_bytes > params - plan->workspace_offset)) {
    return in.ErrorAt(workspace_at, "workspace",
                      absl::StrCat("[", WithCommas(plan->workspace_offset), ", +",
                                   WithCommas(plan->workspace_bytes),
                                   ") is not inside the activation region (bytes ",
                                   WithCommas(activations), "..", WithCommas(params), ")"));
  }
  RF_RETURN_IF_ERROR(ReadBindings(in, *plan, "input", &plan->inputs));
  RF_RETURN_IF_ERROR(ReadBindings(in, *plan, "output", &plan->outputs));
  return in.ExpectEnd("end of section");
}

absl::Status DecodeKernels(ByteReader& in, Plan* plan) {
  RF_ASSIGN_OR_RETURN(uint32_t n, in.Count("kernel count", kMinKernelBytes));
  plan->kernels.reserve(n);
  absl::flat_hash_set<std::string> names;  // entry points: one module may hold them all
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t at = in.offset();
    RF_ASSIGN_OR_RETURN(Kernel k, ReadKernel(in, *plan, i));
    if (!names.insert(k.name).second) {
      return in.ErrorAt(at, absl::StrCat("kernel #", i),
                        absl::StrCat("name '", Printable(k.name), "' is used twice"));
    }
    plan->kernels.push_back(std::move(k));
  }
  return in.ExpectEnd("end of section");
}

absl::Status DecodePrograms(ByteReader& in, Plan* plan) {
  RF_RETURN_IF_ERROR(ReadProgram(in, *plan, "prefill", &plan->prefill));
  RF_RETURN_IF_ERROR(ReadProgram(in, *plan, "decode", &plan->decode));
  return in.ExpectEnd("end of section");
}

}  // namespace rf::plan::internal
