#include "frontends/gguf/synth.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <numbers>
#include <span>
#include <utility>

#include "absl/strings/str_cat.h"
#include "frontends/gguf/gguf.h"
#include "frontends/gguf/gguf_writer.h"
#include "frontends/gguf/synth_random.h"
#include "frontends/gguf/synth_vocab.h"
#include "quant/quantize.h"
#include "support/parallel.h"
#include "support/status.h"

namespace rf::gguf {
namespace {

using quant::GgmlType;

constexpr uint32_t kQuantizationVersion = 2;  // ggml's GGML_QNT_VERSION
// Rows are generated in chunks of about this many elements, each chunk from its own random stream.
constexpr int64_t kChunkElements = 1 << 16;

std::vector<SynthTensor> PlanTensors(const SynthShape& s, uint32_t n_vocab) {
  const int64_t n_embd = s.n_embd, head_dim = s.head_dim(), n_ff = s.n_ff;
  const int64_t q_dim = s.n_head * head_dim, kv_dim = s.n_head_kv * head_dim;
  const float in_std = 1.0f / std::sqrt(static_cast<float>(n_embd));
  const float residual = 1.0f / std::sqrt(2.0f * static_cast<float>(s.n_layer));
  constexpr float kNormStd = 0.05f, kBiasStd = 0.1f;

  std::vector<SynthTensor> plan;
  auto add = [&plan](std::string name, std::vector<int64_t> dims, int layer, float mean,
                     float std) {
    SynthTensor t;
    t.name = std::move(name);
    t.dims = std::move(dims);
    t.layer = layer;
    t.mean = mean;
    t.std = std;
    plan.push_back(std::move(t));
  };
  if (s.llama3_rope) {
    add("rope_freqs.weight", {head_dim / 2}, -1, 0, 0);
    plan.back().rope_freqs = true;
  }
  add("token_embd.weight", {n_embd, n_vocab}, -1, 0, in_std);
  for (int i = 0; i < static_cast<int>(s.n_layer); ++i) {
    auto blk = [i](absl::string_view what) { return absl::StrCat("blk.", i, ".", what); };
    add(blk("attn_norm.weight"), {n_embd}, i, 1, kNormStd);
    const std::pair<const char*, int64_t> projections[] = {
        {"attn_q", q_dim}, {"attn_k", kv_dim}, {"attn_v", kv_dim}};
    for (const auto& [what, rows] : projections) {
      add(blk(absl::StrCat(what, ".weight")), {n_embd, rows}, i, 0, in_std);
      if (s.attn_bias) add(blk(absl::StrCat(what, ".bias")), {rows}, i, 0, kBiasStd);
    }
    add(blk("attn_output.weight"), {q_dim, n_embd}, i, 0,
        residual / std::sqrt(static_cast<float>(q_dim)));
    add(blk("ffn_norm.weight"), {n_embd}, i, 1, kNormStd);
    add(blk("ffn_gate.weight"), {n_embd, n_ff}, i, 0, in_std);
    add(blk("ffn_up.weight"), {n_embd, n_ff}, i, 0, in_std);
    add(blk("ffn_down.weight"), {n_ff, n_embd}, i, 0,
        residual / std::sqrt(static_cast<float>(n_ff)));
  }
  add("output_norm.weight", {n_embd}, -1, 1, kNormStd);
  if (!s.tied_embeddings) add("output.weight", {n_embd, n_vocab}, -1, 0, in_std);
  return plan;
}

// rope_freqs.weight as the converter computes it for rope_type llama3 (LlamaModel.
// generate_extra_tensors): for each rotated pair i, the factor dividing its frequency.
std::vector<float> Llama3RopeFactors(const SynthShape& s) {
  const Llama3RopeScaling& r = *s.llama3_rope;
  const int dim = static_cast<int>(s.head_dim());
  const double low_freq_wavelen = r.original_context / r.low_freq_factor;
  const double high_freq_wavelen = r.original_context / r.high_freq_factor;
  std::vector<float> factors;
  for (int i = 0; i < dim; i += 2) {
    const double freq =
        1.0 / std::pow(static_cast<double>(s.rope_theta), static_cast<double>(i) / dim);
    const double wavelen = 2 * std::numbers::pi / freq;
    double f;
    if (wavelen < high_freq_wavelen) {
      f = 1;
    } else if (wavelen > low_freq_wavelen) {
      f = r.factor;
    } else {
      const double smooth = (r.original_context / wavelen - r.low_freq_factor) /
                            (r.high_freq_factor - r.low_freq_factor);
      f = 1 / ((1 - smooth) / r.factor + smooth);
    }
    factors.push_back(static_cast<float>(f));
  }
  return factors;
}

// Generates a tensor's values chunk by chunk and encodes them into `out`, on `threads` threads.
absl::Status FillRandom(const SynthTensor& p, uint64_t seed, int threads, std::span<uint8_t> out) {
  const int64_t row = p.dims[0];
  int64_t rows = 1;
  for (size_t k = 1; k < p.dims.size(); ++k) rows *= p.dims[k];
  const GgmlType type = p.type;
  RF_ASSIGN_OR_RETURN(const uint64_t row_bytes, quant::RowBytes(type, row));
  if (row_bytes * static_cast<uint64_t>(rows) != out.size()) {
    return absl::InternalError(absl::StrCat("tensor ", p.name, ": size mismatch"));
  }
  const quant::QuantizeRowFn quantize = quant::GetQuantizeRow(type);
  if (quantize == nullptr) {
    return absl::UnimplementedError(absl::StrCat("cannot quantize to ", quant::TypeName(type)));
  }
  const uint64_t stream = HashName(p.name);
  ParallelFor(rows, std::max<int64_t>(1, kChunkElements / row), threads,
              [&](int64_t begin, int64_t end) {
                thread_local std::vector<float> values;
                values.resize(static_cast<size_t>((end - begin) * row));
                Rng rng(seed, stream, static_cast<uint64_t>(begin));
                rng.Normal(values.data(), static_cast<int64_t>(values.size()), p.mean, p.std);
                for (int64_t r = begin; r < end; ++r) {
                  quantize(values.data() + (r - begin) * row, out.data() + r * row_bytes, row);
                }
              });
  return absl::OkStatus();
}

absl::Status CheckShape(const SynthShape& s, uint32_t n_vocab) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("cannot synthesize ", s.name, ": ", why));
  };
  if (s.arch != "llama" && s.arch != "qwen2") return bad(absl::StrCat("architecture ", s.arch));
  if (s.n_layer == 0 || s.n_embd == 0 || s.n_head == 0 || s.n_head_kv == 0 || s.n_ff == 0 ||
      n_vocab == 0) {
    return bad("a dimension is zero");
  }
  if (s.n_embd % s.n_head != 0 || s.n_head % s.n_head_kv != 0 || s.head_dim() % 2 != 0) {
    return bad("n_embd must split into n_head even head dims, n_head into n_head_kv groups");
  }
  if (s.n_embd % 32 != 0 || s.n_ff % 32 != 0) {
    return bad("n_embd and n_ff must be multiples of 32 (the smallest quant block)");
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<SynthTensor> PlanModel(const SynthShape& shape, const SynthType& type,
                                   uint32_t n_vocab) {
  std::vector<SynthTensor> plan = PlanTensors(shape, n_vocab);
  for (SynthTensor& t : plan) {
    t.type = TensorTypeFor(type, t.name, t.dims, t.layer, static_cast<int>(shape.n_layer),
                           shape.tied_embeddings);
  }
  return plan;
}

absl::StatusOr<SynthReport> Synthesize(const SynthOptions& options, const std::string& path) {
  const SynthShape& s = options.shape;
  RF_ASSIGN_OR_RETURN(std::unique_ptr<GgufFile> vocab, GgufFile::Open(options.vocab_path));
  RF_ASSIGN_OR_RETURN(const uint32_t tokenizer_size, TokenizerSize(*vocab));
  SynthReport report;
  report.n_vocab = s.n_vocab != 0 ? s.n_vocab : tokenizer_size;
  RF_RETURN_IF_ERROR(CheckShape(s, report.n_vocab));

  // Metadata, in the order the converter writes it (TextModel.set_gguf_parameters, then the
  // llama-specific keys, then the tokenizer).
  GgufWriter w;
  const std::string& a = s.arch;
  w.SetString("general.architecture", a);
  w.SetString("general.type", "model");
  w.SetString("general.name", s.name);
  w.SetU32(a + ".block_count", s.n_layer);
  w.SetU32(a + ".context_length", s.n_ctx_train);
  w.SetU32(a + ".embedding_length", s.n_embd);
  w.SetU32(a + ".feed_forward_length", s.n_ff);
  w.SetU32(a + ".attention.head_count", s.n_head);
  w.SetU32(a + ".attention.head_count_kv", s.n_head_kv);
  w.SetF32(a + ".rope.freq_base", s.rope_theta);
  w.SetF32(a + ".attention.layer_norm_rms_epsilon", s.rms_eps);
  if (s.explicit_head_dim) {
    w.SetU32(a + ".attention.key_length", s.head_dim());
    w.SetU32(a + ".attention.value_length", s.head_dim());
  }
  w.SetU32("general.file_type", static_cast<uint32_t>(options.type.file_type));
  if (a == "llama") {
    w.SetU32("llama.vocab_size", report.n_vocab);
    w.SetU32("llama.rope.dimension_count", s.head_dim());
  }
  RF_ASSIGN_OR_RETURN(report.vocab_note, CopyTokenizer(*vocab, report.n_vocab, w));
  w.SetU32("general.quantization_version", kQuantizationVersion);

  const int threads = ResolveThreads(options.threads);
  for (SynthTensor& p : PlanModel(s, options.type, report.n_vocab)) {
    uint64_t n = 1;
    for (int64_t d : p.dims) n *= static_cast<uint64_t>(d);
    report.n_params += n;
    ++report.n_tensors;
    ++report.tensors_per_type[quant::TypeName(p.type)];
    GgufWriter::Fill fill;  // null: zeros
    if (p.rope_freqs) {
      fill = [factors = Llama3RopeFactors(s)](std::span<uint8_t> out) {
        std::memcpy(out.data(), factors.data(), out.size());
        return absl::OkStatus();
      };
    } else if (!options.zero_weights) {
      fill = [p, seed = options.seed, threads](std::span<uint8_t> out) {
        return FillRandom(p, seed, threads, out);
      };
    }
    RF_RETURN_IF_ERROR(w.AddTensor(p.name, p.dims, p.type, std::move(fill)));
  }
  RF_RETURN_IF_ERROR(w.WriteFile(path));
  struct stat st;
  if (stat(path.c_str(), &st) == 0) report.file_bytes = static_cast<uint64_t>(st.st_size);
  return report;
}

}  // namespace rf::gguf
