// Writes the seed corpus of gguf_reader_fuzz: small valid files from our writer (the sample with
// each kind of alignment, and a tiny llama model whose hyperparameters parse) and a few invalid
// ones that stop at different stages of the reader. Run by hand; its output is merged into the
// committed corpus:
//   build/tests/make_gguf_seeds DIR
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "frontends/gguf/gguf_writer.h"
#include "support/atomic_file.h"
#include "support/status.h"
#include "tests/frontends/gguf/gguf_bytes.h"
#include "tests/frontends/gguf/sample_gguf.h"

namespace rf::gguf::testing {
namespace {

absl::Status WriteTinyLlama(const std::string& path) {
  GgufWriter w;
  w.SetString("general.architecture", "llama");
  w.SetString("general.name", "tiny");
  w.SetU32("llama.block_count", 1);
  w.SetU32("llama.embedding_length", 8);
  w.SetU32("llama.attention.head_count", 2);
  w.SetU32("llama.attention.head_count_kv", 1);
  w.SetU32("llama.feed_forward_length", 16);
  w.SetU32("llama.context_length", 64);
  w.SetF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  w.SetF32("llama.rope.freq_base", 10000.0f);
  const std::string tokens[] = {"<unk>", "<s>", "</s>", "a", "b"};
  w.SetStringArray("tokenizer.ggml.tokens", tokens);
  const double scores[] = {0, 0, 0, -1, -2};
  w.SetFloatArray("tokenizer.ggml.scores", ValueType::kF32, scores);
  std::vector<uint8_t> emb(8 * 5 * 4, 0x3c);
  RF_RETURN_IF_ERROR(w.AddTensor("token_embd.weight", {8, 5}, quant::GgmlType::kF32, emb));
  return w.WriteFile(path);
}

// qwen2 with every optional hyperparameter key, biases and an output matrix.
absl::Status WriteTinyQwen2(const std::string& path) {
  GgufWriter w;
  w.SetString("general.architecture", "qwen2");
  w.SetU32("qwen2.block_count", 1);
  w.SetU32("qwen2.embedding_length", 8);
  w.SetU32("qwen2.attention.head_count", 2);
  w.SetU32("qwen2.attention.head_count_kv", 2);
  w.SetU32("qwen2.attention.key_length", 4);
  w.SetU32("qwen2.attention.value_length", 4);
  w.SetU32("qwen2.rope.dimension_count", 4);
  w.SetU32("qwen2.feed_forward_length", 16);
  w.SetU32("qwen2.context_length", 32);
  w.SetU32("qwen2.vocab_size", 4);
  w.SetF32("qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
  w.SetF32("qwen2.rope.freq_base", 1e6f);
  for (const char* name :
       {"token_embd.weight", "output.weight", "blk.0.attn_q.bias", "rope_freqs.weight"}) {
    RF_RETURN_IF_ERROR(
        w.AddTensor(name, {8, 4}, quant::GgmlType::kF16, std::vector<uint8_t>(8 * 4 * 2, 0x11)));
  }
  return w.WriteFile(path);
}

// More than 16 tensors, so that the overlap check's sort goes past insertion sort.
absl::Status WriteManyTensors(const std::string& path) {
  GgufWriter w;
  for (int k = 0; k < 24; ++k) {
    RF_RETURN_IF_ERROR(w.AddTensor(absl::StrCat("t", k), {k % 5 + 1}, quant::GgmlType::kF32,
                                   std::vector<uint8_t>((k % 5 + 1) * 4, static_cast<uint8_t>(k))));
  }
  return w.WriteFile(path);
}

absl::Status WriteBytes(const std::string& path, const GgufBytes& b) {
  return WriteFileAtomically(path, b.bytes());
}

absl::Status WriteSeeds(const std::string& dir) {
  RF_RETURN_IF_ERROR(WriteSampleGguf(dir + "/sample_align32.gguf"));
  RF_RETURN_IF_ERROR(WriteSampleGguf(dir + "/sample_align64.gguf", 64));
  RF_RETURN_IF_ERROR(WriteSampleGguf(dir + "/sample_align1.gguf", 1));
  RF_RETURN_IF_ERROR(WriteTinyLlama(dir + "/tiny_llama.gguf"));
  RF_RETURN_IF_ERROR(WriteTinyQwen2(dir + "/tiny_qwen2.gguf"));
  RF_RETURN_IF_ERROR(WriteManyTensors(dir + "/many_tensors.gguf"));
  using quant::GgmlType;
  RF_RETURN_IF_ERROR(WriteBytes(dir + "/bad_magic.gguf", GgufBytes().Bytes("GGML").U32(3)));
  RF_RETURN_IF_ERROR(WriteBytes(dir + "/bad_version.gguf", GgufBytes().Header(0, 0, 1)));
  RF_RETURN_IF_ERROR(
      WriteBytes(dir + "/bad_count.gguf", GgufBytes().Header(uint64_t{1} << 60, 0).Zeros(32)));
  RF_RETURN_IF_ERROR(
      WriteBytes(dir + "/bad_nested_array.gguf",
                 GgufBytes().Header(0, 1).ArrayKey("k", ValueType::kArray, 1).U32(0).U64(1).U8(1)));
  RF_RETURN_IF_ERROR(WriteBytes(dir + "/bad_alignment.gguf",
                                GgufBytes().Header(0, 1).KvU32("general.alignment", 48)));
  RF_RETURN_IF_ERROR(WriteBytes(dir + "/bad_overlap.gguf", GgufBytes()
                                                               .Header(2, 0)
                                                               .Tensor("a", {16}, GgmlType::kF32, 0)
                                                               .Tensor("b", {8}, GgmlType::kF32, 32)
                                                               .PadTo(32)
                                                               .Zeros(64)));
  RF_RETURN_IF_ERROR(
      WriteBytes(dir + "/bad_type.gguf",
                 GgufBytes().Header(1, 0).Tensor("w", {32}, 4u, 0).PadTo(32).Zeros(32)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace rf::gguf::testing

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_gguf_seeds DIR\n");
    return 2;
  }
  absl::Status s = rf::gguf::testing::WriteSeeds(argv[1]);
  if (!s.ok()) {
    std::fprintf(stderr, "make_gguf_seeds: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}
