// Memory planning by lifetime intervals, placed greedily largest-first into the lowest gap that
// fits (the "greedy by size" offset assignment of TFLite's arena planner; IREE and tinygrad plan
// their buffers the same way). A value is live from the op that defines it to its last use
// (through any views of it); outputs stay live to the end of the step so the host can read them.
#include "passes/memory_plan.h"

#include <algorithm>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ir/printer.h"
#include "support/format.h"

namespace rf::passes {
namespace {

int64_t AlignUp(int64_t n) {
  return (n + kArenaAlignment - 1) / kArenaAlignment * kArenaAlignment;
}

bool IsSource(const ir::Op& op) {
  return op.kind() == ir::OpKind::kWeight || op.kind() == ir::OpKind::kState ||
         op.kind() == ir::OpKind::kInput;
}

}  // namespace

const ir::Value* StorageOf(const ir::Value* v) {
  while (true) {
    int operand = ir::AliasedOperand(v->def()->kind(), v->result_index());
    if (operand < 0) return v;
    v = v->def()->operand(operand);
  }
}

int64_t MaxBytes(const ir::Value& v, const ir::Graph& graph) {
  return v.type().NumBytes([&](const std::string& s) { return graph.Bound(s); });
}

std::vector<Lifetime> ActivationLifetimes(const ir::Graph& graph) {
  std::unordered_map<const ir::Value*, size_t> index;
  std::vector<Lifetime> out;
  int64_t i = 0;
  const int64_t end = static_cast<int64_t>(graph.size()) - 1;
  for (const auto& op : graph.ops()) {
    for (int r = 0; r < op->num_results(); ++r) {
      const ir::Value* v = op->result(r);
      if (IsSource(*op) || StorageOf(v) != v) continue;
      index[v] = out.size();
      out.push_back({v, i, i, MaxBytes(*v, graph)});
    }
    for (const ir::Value* operand : op->operands()) {
      auto it = index.find(StorageOf(operand));
      if (it == index.end()) continue;
      Lifetime& lt = out[it->second];
      lt.last = std::max(lt.last, op->kind() == ir::OpKind::kOutput ? end : i);
    }
    ++i;
  }
  return out;
}

absl::Status PlanMemory(ir::Graph& graph) {
  ir::MemoryLayout layout;
  layout.step_params = kStepScalarBytes;
  for (auto& op : graph.ops()) {
    if (!IsSource(*op)) continue;
    ir::Value* v = op->result(0);
    const int64_t bytes = AlignUp(MaxBytes(*v, graph));
    switch (op->kind()) {
      case ir::OpKind::kWeight:
        v->set_placement({ir::Region::kWeights, layout.weights});
        layout.weights += bytes;
        break;
      case ir::OpKind::kState:
        v->set_placement({ir::Region::kKvCache, layout.kv_cache});
        layout.kv_cache += bytes;
        break;
      default:
        v->set_placement({ir::Region::kStepParams, layout.step_params});
        layout.step_params += bytes;
        break;
    }
  }

  std::vector<Lifetime> lifetimes = ActivationLifetimes(graph);
  std::vector<size_t> order(lifetimes.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return lifetimes[a].bytes > lifetimes[b].bytes; });
  std::vector<std::pair<int64_t, int64_t>> offsets(lifetimes.size(), {-1, 0});  // offset, size
  std::vector<size_t> placed;
  for (size_t k : order) {
    const Lifetime& lt = lifetimes[k];
    // The placed values live at the same time, by offset; take the lowest gap that fits.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t p : placed) {
      if (lifetimes[p].first <= lt.last && lt.first <= lifetimes[p].last)
        busy.push_back(offsets[p]);
    }
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    const int64_t size = AlignUp(lt.bytes);
    for (const auto& [o, s] : busy) {
      if (o >= offset + size) break;
      offset = std::max(offset, AlignUp(o + s));
    }
    offsets[k] = {offset, size};
    placed.push_back(k);
    layout.activations = std::max(layout.activations, offset + size);
  }
  std::unordered_map<const ir::Value*, int64_t> act_offset;
  for (size_t k = 0; k < lifetimes.size(); ++k) act_offset[lifetimes[k].value] = offsets[k].first;
  for (auto& op : graph.ops()) {
    for (int r = 0; r < op->num_results(); ++r) {
      ir::Value* v = op->result(r);
      const ir::Value* base = StorageOf(v);
      if (base != v) {
        v->set_placement(base->placement());  // bases come first in program order
      } else if (auto it = act_offset.find(v); it != act_offset.end()) {
        v->set_placement({ir::Region::kActivations, it->second});
      }
    }
  }
  graph.set_memory(layout);
  return absl::OkStatus();
}

absl::Status CheckMemoryPlan(const ir::Graph& graph) {
  const ir::MemoryLayout& m = graph.memory();
  if (!m.planned()) return absl::FailedPreconditionError("the graph has no memory plan");
  auto region_size = [&](ir::Region r) {
    switch (r) {
      case ir::Region::kWeights:
        return m.weights;
      case ir::Region::kKvCache:
        return m.kv_cache;
      case ir::Region::kActivations:
        return m.activations;
      case ir::Region::kStepParams:
        return m.step_params;
      case ir::Region::kNone:
        break;
    }
    return int64_t{0};
  };
  auto bad = [](const ir::Value* v, absl::string_view why) {
    return absl::InternalError(
        absl::StrCat("memory plan: ", why, "\n  in: ", ir::PrintOp(*v->def())));
  };
  struct Range {
    const ir::Value* value;
    int64_t begin, end, first, last;
  };
  std::vector<Range> ranges;
  for (const auto& op : graph.ops()) {
    for (int r = 0; r < op->num_results(); ++r) {
      const ir::Value* v = op->result(r);
      const ir::Placement& p = v->placement();
      if (p.region == ir::Region::kNone) return bad(v, "a value has no placement");
      const ir::Value* base = StorageOf(v);
      if (base != v) {
        if (!(p == base->placement())) return bad(v, "a view is not at its base's place");
        continue;
      }
      const int64_t bytes = MaxBytes(*v, graph);
      if (p.offset < 0 || p.offset % kArenaAlignment != 0 ||
          p.offset + bytes > region_size(p.region)) {
        return bad(v, absl::StrCat("[", p.offset, ", +", bytes, ") is misaligned or outside its ",
                                   ir::RegionName(p.region), " region of ", region_size(p.region),
                                   " bytes"));
      }
      if (p.region == ir::Region::kStepParams && p.offset < kStepScalarBytes) {
        return bad(v, "an input overlaps the step scalars");
      }
    }
  }
  // Sources never share bytes; they live for the whole run.
  const int64_t forever = static_cast<int64_t>(graph.size());
  std::vector<std::pair<ir::Region, Range>> all;
  for (const auto& op : graph.ops()) {
    if (!IsSource(*op)) continue;
    const ir::Value* v = op->result(0);
    all.push_back(
        {v->placement().region,
         {v, v->placement().offset, v->placement().offset + MaxBytes(*v, graph), 0, forever}});
  }
  for (const Lifetime& lt : ActivationLifetimes(graph)) {
    const int64_t o = lt.value->placement().offset;
    if (lt.value->placement().region != ir::Region::kActivations) {
      return bad(lt.value, "an activation is outside the activation region");
    }
    all.push_back({ir::Region::kActivations, {lt.value, o, o + lt.bytes, lt.first, lt.last}});
  }
  for (size_t a = 0; a < all.size(); ++a) {
    for (size_t b = a + 1; b < all.size(); ++b) {
      if (all[a].first != all[b].first) continue;
      const Range& x = all[a].second;
      const Range& y = all[b].second;
      const bool same_time = x.first <= y.last && y.first <= x.last;
      const bool same_bytes =
          x.begin < y.end && y.begin < x.end && x.begin < x.end && y.begin < y.end;
      if (same_time && same_bytes) {
        return absl::InternalError(absl::StrCat(
            "memory plan: two values live at the same time overlap in the ",
            ir::RegionName(all[a].first), " region: [", x.begin, ", ", x.end, ") live ops ",
            x.first, "..", x.last, " and [", y.begin, ", ", y.end, ") live ops ", y.first, "..",
            y.last, "\n  in: ", ir::PrintOp(*x.value->def()),
            "\n  and: ", ir::PrintOp(*y.value->def())));
      }
    }
  }
  return absl::OkStatus();
}

MemoryReport ReportMemory(const ir::Graph& graph) {
  MemoryReport r;
  const ir::MemoryLayout& m = graph.memory();
  r.weights = m.weights;
  r.kv_cache = m.kv_cache;
  r.activations = m.activations;
  r.step_params = m.step_params;
  for (const Lifetime& lt : ActivationLifetimes(graph)) r.naive_activations += AlignUp(lt.bytes);
  return r;
}

std::string MemoryReport::ToString() const {
  const int64_t saving = naive() - arena();
  return absl::StrFormat(
      "arena %s (%s bytes): weights %s, kv cache %s, activations %s, step params %s\n"
      "naive sum %s (activations %s without reuse); saving %s (%.1f%% of the activations)",
      HumanBytes(arena()), WithCommas(arena()), HumanBytes(weights), HumanBytes(kv_cache),
      HumanBytes(activations), HumanBytes(step_params), HumanBytes(naive()),
      HumanBytes(naive_activations), HumanBytes(saving),
      naive_activations ? 100.0 * saving / naive_activations : 0.0);
}

}  // namespace rf::passes
