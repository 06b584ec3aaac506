// Lowering: the graph of a real model verifies and prints/parses back identically; unknown
// architectures and missing or mis-shaped tensors are errors that name the tensor and the shape.
#include "frontends/gguf/lower.h"

#include "absl/strings/match.h"
#include "frontends/gguf/gguf_writer.h"
#include "gtest/gtest.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "tests/test_util.h"

namespace rf::gguf {
namespace {

std::unique_ptr<GgufFile> Stories() {
  auto f = GgufFile::Open(testing::ModelPath("stories260K.gguf"));
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *std::move(f) : nullptr;
}

// Copies stories260K through the writer, letting `edit` change metadata or skip/reshape tensors.
std::string CopyWith(const std::function<void(GgufWriter&)>& edit_meta,
                     const std::function<bool(const TensorInfo&, std::vector<int64_t>&)>& keep) {
  auto src = Stories();
  GgufWriter w;
  for (const KeyValue& kv : src->metadata()) w.SetValue(kv.key, kv.value);
  edit_meta(w);
  for (const TensorInfo& t : src->tensors()) {
    std::vector<int64_t> dims = t.dims;
    if (!keep(t, dims)) continue;
    if (dims == t.dims) {
      EXPECT_TRUE(w.AddTensor(t.name, dims, t.type, t.bytes()).ok());
    } else {
      EXPECT_TRUE(w.AddTensor(t.name, dims, t.type, [](std::span<uint8_t>) {
                     return absl::OkStatus();
                   }).ok());
    }
  }
  const std::string path = testing::TempDir() + "/edited.gguf";
  EXPECT_TRUE(w.WriteFile(path).ok());
  return path;
}

std::string LowerError(const std::string& path) {
  auto file = GgufFile::Open(path);
  if (!file.ok()) return "OPEN: " + std::string(file.status().message());
  auto g = LowerModel(**file);
  return g.ok() ? "OK" : std::string(g.status().message());
}

TEST(LowerTest, Stories260KVerifiesAndRoundTrips) {
  auto file = Stories();
  LowerOptions options;
  options.max_context = 128;
  options.max_batch = 64;
  auto g = LowerModel(*file, options);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(ir::Verify(**g).ok()) << ir::Verify(**g);
  EXPECT_EQ((*g)->Bound("T"), 64);
  const std::string text = ir::PrintGraph(**g);
  auto parsed = ir::ParseGraph(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(ir::PrintGraph(**parsed), text);
  // 5 layers: 2 cache states each, [128, 4 KV heads, 8] in f16; rope in llama's "norm" style.
  EXPECT_TRUE(absl::StrContains(text, "state \"cache_k.4\" : 128 x 4 x 8 x f16"));
  EXPECT_TRUE(absl::StrContains(text, "style = \"norm\""));
  EXPECT_FALSE(absl::StrContains(text, "cache_k.5"));
  EXPECT_TRUE(absl::StrContains(text, "weight \"output.weight\" : 512 x 64 x f32"));
}

TEST(LowerTest, UnknownArchitecture) {
  std::string path = CopyWith([](GgufWriter& w) { w.SetString("general.architecture", "mamba"); },
                              [](const TensorInfo&, std::vector<int64_t>&) { return true; });
  EXPECT_TRUE(absl::StrContains(LowerError(path), "architecture 'mamba' is not supported"))
      << LowerError(path);
}

TEST(LowerTest, MissingTensor) {
  std::string path = CopyWith([](GgufWriter&) {},
                              [](const TensorInfo& t, std::vector<int64_t>&) {
                                return std::string(t.name) != "blk.3.ffn_up.weight";
                              });
  EXPECT_TRUE(absl::StrContains(
      LowerError(path), "tensor 'blk.3.ffn_up.weight' is missing (expected ggml shape [64, 172])"))
      << LowerError(path);
}

TEST(LowerTest, MisShapedTensor) {
  std::string path = CopyWith([](GgufWriter&) {},
                              [](const TensorInfo& t, std::vector<int64_t>& dims) {
                                if (std::string(t.name) == "blk.1.attn_k.weight") dims = {64, 48};
                                return true;
                              });
  EXPECT_TRUE(absl::StrContains(
      LowerError(path), "tensor 'blk.1.attn_k.weight' has shape [64, 48], expected [64, 32]"))
      << LowerError(path);
}

TEST(LowerTest, BadHyperparameter) {
  std::string path = CopyWith([](GgufWriter& w) { w.SetU32("llama.attention.head_count_kv", 3); },
                              [](const TensorInfo&, std::vector<int64_t>&) { return true; });
  EXPECT_TRUE(absl::StrContains(LowerError(path), "head_count_kv: 3 does not divide head_count 8"))
      << LowerError(path);
  path = CopyWith([](GgufWriter& w) { w.SetString("llama.block_count", "five"); },
                  [](const TensorInfo&, std::vector<int64_t>&) { return true; });
  EXPECT_TRUE(
      absl::StrContains(LowerError(path), "key llama.block_count: expected u32, found string"))
      << LowerError(path);
}

}  // namespace
}  // namespace rf::gguf
