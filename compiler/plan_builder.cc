#include "compiler/plan_builder.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "codegen/weight_layout.h"
#include "frontends/gguf/hparams.h"
#include "ir/printer.h"
#include "passes/memory_plan.h"
#include "support/status.h"

namespace rf::compiler {
namespace {

using plan::Opcode;

plan::TensorRef RefOf(const ir::Value* v, const ir::Graph& graph) {
  plan::TensorRef ref;
  ref.offset =
      static_cast<uint64_t>(graph.memory().Base(v->placement().region) + v->placement().offset);
  ref.type = static_cast<uint32_t>(ir::ToGgml(v->type().elem));
  for (const ir::Dim& d : v->type().shape)
    ref.shape.push_back(d.is_const() ? d.value : plan::kDimT);
  return ref;
}

// The instruction parameters of each op, in the order runtime/cpu/executor.cc reads them.
void SetParams(const ir::Op& op, plan::Instruction& inst) {
  const ir::AttrMap& a = op.attrs();
  if (a.Has("style")) inst.ints.push_back(a.String("style") == "norm" ? 0 : 1);
  if (a.Has("n_rot")) inst.ints.push_back(a.Int("n_rot"));
  if (a.Has("eps")) inst.floats.push_back(a.Float("eps"));
  if (a.Has("theta")) inst.floats.push_back(a.Float("theta"));
  if (a.Has("scale")) inst.floats.push_back(a.Float("scale"));
}

}  // namespace

std::optional<plan::Opcode> OpcodeOf(ir::OpKind kind) {
  switch (kind) {
    case ir::OpKind::kEmbedding:
      return Opcode::kEmbedding;
    case ir::OpKind::kRmsNorm:
      return Opcode::kRmsNorm;
    case ir::OpKind::kMatmul:
      return Opcode::kMatmul;
    case ir::OpKind::kAdd:
      return Opcode::kAdd;
    case ir::OpKind::kMul:
      return Opcode::kMul;
    case ir::OpKind::kSilu:
      return Opcode::kSilu;
    case ir::OpKind::kGelu:
      return Opcode::kGelu;
    case ir::OpKind::kRope:
      return Opcode::kRope;
    case ir::OpKind::kKvStore:
      return Opcode::kKvStore;
    case ir::OpKind::kAttention:
      return Opcode::kAttention;
    case ir::OpKind::kSoftmax:
      return Opcode::kSoftmax;
    case ir::OpKind::kLastToken:
      return Opcode::kLastToken;
    case ir::OpKind::kArgmax:
      return Opcode::kArgmax;
    case ir::OpKind::kAddRmsNorm:
      return Opcode::kAddRmsNorm;
    case ir::OpKind::kMatmulAdd:
      return Opcode::kMatmulAdd;
    case ir::OpKind::kRmsNormMatmul:
      return Opcode::kRmsNormMatmul;
    case ir::OpKind::kMatmulSiluMul:
      return Opcode::kMatmulSiluMul;
    case ir::OpKind::kRmsNormMatmulSiluMul:
      return Opcode::kRmsNormMatmulSiluMul;
    case ir::OpKind::kRmsNormMatmulQkv:
      return Opcode::kRmsNormMatmulQkv;
    case ir::OpKind::kRopeAttention:
      return Opcode::kRopeAttention;
    case ir::OpKind::kInput:
    case ir::OpKind::kWeight:
    case ir::OpKind::kState:
    case ir::OpKind::kReshape:
    case ir::OpKind::kOutput:
    case ir::OpKind::kCount:
      break;
  }
  return std::nullopt;
}

absl::StatusOr<plan::Plan> BuildPlan(const ir::Graph& graph, const gguf::GgufFile& model,
                                     const std::string& target) {
  if (!graph.memory().planned()) {
    return absl::FailedPreconditionError("the graph has no memory plan (run plan-memory)");
  }
  RF_RETURN_IF_ERROR(passes::CheckMemoryPlan(graph));
  RF_ASSIGN_OR_RETURN(gguf::ModelHParams hp, gguf::ReadHParams(model));
  plan::Plan p;
  p.producer = absl::StrCat("rocmforge ", RF_VERSION);
  p.target = target;
  p.model.arch = hp.arch;
  p.model.name = hp.name;
  p.model.n_vocab = hp.n_vocab;
  p.model.max_batch = static_cast<uint32_t>(graph.Bound("T"));
  const ir::MemoryLayout& m = graph.memory();
  p.arena = {static_cast<uint64_t>(m.weights), static_cast<uint64_t>(m.kv_cache),
             static_cast<uint64_t>(m.activations), static_cast<uint64_t>(m.step_params)};
  p.n_tokens_offset =
      static_cast<uint64_t>(m.Base(ir::Region::kStepParams) + passes::kStepNTokensOffset);
  p.prefill.name = "prefill";
  for (const auto& op : graph.ops()) {
    if (op->kind() == ir::OpKind::kInput) {
      p.inputs.push_back({op->attrs().String("name"), RefOf(op->result(0), graph)});
    } else if (op->kind() == ir::OpKind::kOutput) {
      p.outputs.push_back({op->attrs().String("name"), RefOf(op->operand(0), graph)});
    } else if (op->kind() == ir::OpKind::kState) {
      p.model.max_context = static_cast<uint32_t>(op->result(0)->type().dim(0).value);
    }
    std::optional<Opcode> code = OpcodeOf(op->kind());
    if (!code) continue;
    plan::Instruction inst;
    inst.op = *code;
    for (const ir::Value* v : op->operands()) inst.operands.push_back(RefOf(v, graph));
    for (int i = 0; i < op->num_results(); ++i) inst.results.push_back(RefOf(op->result(i), graph));
    SetParams(*op, inst);
    inst.label = ir::PrintOp(*op);
    p.prefill.instructions.push_back(std::move(inst));
  }
  // On the CPU one program serves every T; the decode program is the same list, run with T = 1.
  p.decode = p.prefill;
  p.decode.name = "decode";
  p.graph_text = ir::PrintGraph(graph);
  return p;
}

absl::StatusOr<std::vector<uint8_t>> BuildWeightsRegion(const ir::Graph& graph,
                                                        const gguf::GgufFile& model,
                                                        bool gpu_layout) {
  std::vector<uint8_t> region(graph.memory().weights, 0);
  for (const auto& op : graph.ops()) {
    if (op->kind() != ir::OpKind::kWeight) continue;
    const std::string& name = op->attrs().String("name");
    const gguf::TensorInfo* t = model.FindTensor(name);
    if (t == nullptr) {
      return absl::NotFoundError(absl::StrCat(model.name(), ": no tensor '", name, "'"));
    }
    const ir::Value* v = op->result(0);
    const int64_t offset = v->placement().offset;
    if (v->placement().region != ir::Region::kWeights || offset < 0 ||
        static_cast<uint64_t>(offset) + t->n_bytes > region.size() ||
        static_cast<int64_t>(t->n_bytes) != passes::MaxBytes(*v, graph)) {
      return absl::InternalError(absl::StrCat("weight '", name, "' does not fit its placement"));
    }
    const uint32_t type = static_cast<uint32_t>(t->type);
    if (gpu_layout && codegen::UsesPlanes(type) && t->dims.size() == 2) {
      codegen::RepackToPlanes(type, t->data, region.data() + offset, t->dims[1], t->dims[0]);
    } else {
      std::memcpy(region.data() + offset, t->data, t->n_bytes);
    }
  }
  return region;
}

}  // namespace rf::compiler
