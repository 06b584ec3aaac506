// Printing a graph and parsing the text gives back an equal graph, for every op.
#include "gtest/gtest.h"
#include "ir/builder.h"
#include "ir/parser.h"
#include "ir/printer.h"
#include "ir/verifier.h"

namespace rf::ir {
namespace {

using E = ElemType;

AttrMap AttrsEps() {
  AttrMap a;
  a.Set("eps", 1e-5f);
  return a;
}

// A graph that uses every op kind of the vocabulary at least once.
std::unique_ptr<Graph> EveryOpGraph() {
  auto g = std::make_unique<Graph>();
  g->set_name("every op");
  g->SetSymbol("T", 64);
  Builder b(*g);
  Value* tok = b.Named(b.Input("tokens", MakeType(E::kI32, {"T"})), "tokens");
  Value* pos = b.Named(b.Input("positions", MakeType(E::kI32, {"T"})), "pos");
  Value* emb = b.Weight("token_embd.weight", MakeType(E::kQ8_0, {100, 64}));
  Value* norm_w = b.Weight("attn_norm.weight", MakeType(E::kF32, {64}));
  Value* wq = b.Weight("attn_q.weight", MakeType(E::kQ4_K, {64, 64}));
  Value* bq = b.Weight("attn_q.bias", MakeType(E::kF32, {64}));
  Value* freqs = b.Weight("rope_freqs.weight", MakeType(E::kF32, {4}));
  Value* kc = b.State("cache_k.0", MakeType(E::kF16, {128, 2, 8}));
  Value* vc = b.State("cache_v.0", MakeType(E::kF16, {128, 2, 8}));
  Value* x = b.Embedding(emb, tok);
  Value* n = b.RmsNorm(x, norm_w, 1e-6f);
  Value* q = b.Add(b.Matmul(n, wq), bq);
  Value* q3 = b.Reshape(q, MakeType(E::kF32, {"T", 8, 8}));
  Value* qr = b.Rope(q3, pos, freqs, "norm", 8, 500000.0f);
  Value* qn = b.Rope(q3, pos, nullptr, "neox", 8, 1e6f);
  Value* k3 = b.Reshape(b.Mul(q, bq), MakeType(E::kF32, {"T", 8, 8}));
  Value* kv = b.Reshape(b.Silu(b.Gelu(q)), MakeType(E::kF32, {"T", 2, 32}));
  (void)k3;
  Value* kv3 = b.Reshape(kv, MakeType(E::kF32, {"T", 2, 32}));
  (void)kv3;
  Value* ks =
      b.KvStore(kc,
                b.Reshape(b.Matmul(n, b.Weight("attn_k.weight", MakeType(E::kF16, {16, 64}))),
                          MakeType(E::kF32, {"T", 2, 8})),
                pos);
  Value* vs =
      b.KvStore(vc,
                b.Reshape(b.Matmul(n, b.Weight("attn_v.weight", MakeType(E::kBF16, {16, 64}))),
                          MakeType(E::kF32, {"T", 2, 8})),
                pos);
  Value* att = b.Attention(b.Add(qr, qn), ks, vs, pos, 0.35355339f);
  Value* flat = b.Reshape(att, MakeType(E::kF32, {"T", 64}));
  Value* last = b.LastToken(b.Softmax(flat));
  b.Output("logits", last);
  b.Output("next", b.Argmax(last));
  // The fused ops.
  Value* wg = b.Weight("ffn_gate.weight", MakeType(E::kQ6_K, {32, 64}));
  Value* wu = b.Weight("ffn_up.weight", MakeType(E::kQ6_K, {32, 64}));
  Op* arn = b.Create(OpKind::kAddRmsNorm, {x, n, norm_w}, AttrsEps());
  Value* nm =
      b.Create(OpKind::kRmsNormMatmul, {arn->result(1), norm_w, wq, bq}, AttrsEps())->result(0);
  Value* ma = b.Create(OpKind::kMatmulAdd, {nm, wq, arn->result(0)})->result(0);
  Value* msm = b.Create(OpKind::kMatmulSiluMul, {ma, wg, wu})->result(0);
  Value* nmsm =
      b.Create(OpKind::kRmsNormMatmulSiluMul, {ma, norm_w, wg, wu}, AttrsEps())->result(0);
  b.Output("msm", b.Add(msm, nmsm));
  Op* qkv = b.Create(OpKind::kRmsNormMatmulQkv, {arn->result(1), norm_w, wq, wq, wq, bq, bq, bq},
                     AttrsEps());
  b.Output("qkv", b.Add(qkv->result(0), qkv->result(2)));
  AttrMap rope;
  rope.Set("style", std::string("neox"));
  rope.Set("n_rot", int64_t{8});
  rope.Set("theta", 1e6f);
  rope.Set("scale", 0.125f);
  Value* kk = b.Reshape(b.Matmul(n, b.Weight("k2", MakeType(E::kF32, {16, 64}))),
                        MakeType(E::kF32, {"T", 2, 8}));
  Op* ra = b.Create(OpKind::kRopeAttention,
                    {q3, kk, kk, b.State("ck", MakeType(E::kF32, {128, 2, 8})),
                     b.State("cv", MakeType(E::kF32, {128, 2, 8})), pos, freqs},
                    rope);
  b.Output("ra", ra->result(0));
  EXPECT_TRUE(b.status().ok()) << b.status();
  return g;
}

TEST(IrRoundTripTest, EveryOpPrintsAndParsesBack) {
  auto g = EveryOpGraph();
  ASSERT_TRUE(Verify(*g).ok()) << Verify(*g);
  const std::string text = PrintGraph(*g);
  auto parsed = ParseGraph(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  ASSERT_TRUE(Verify(**parsed).ok()) << Verify(**parsed);
  EXPECT_EQ(PrintGraph(**parsed), text);
  // Structural equality, op by op.
  ASSERT_EQ((*parsed)->size(), g->size());
  auto a = g->ops().begin();
  auto b = (*parsed)->ops().begin();
  for (; a != g->ops().end(); ++a, ++b) {
    EXPECT_EQ((*a)->kind(), (*b)->kind());
    EXPECT_TRUE((*a)->attrs() == (*b)->attrs()) << (*a)->ToString();
    ASSERT_EQ((*a)->num_results(), (*b)->num_results());
    for (int i = 0; i < (*a)->num_results(); ++i) {
      EXPECT_EQ((*a)->result(i)->type(), (*b)->result(i)->type());
    }
  }
  // Every op kind appears.
  std::set<OpKind> kinds;
  for (const auto& op : g->ops()) kinds.insert(op->kind());
  EXPECT_EQ(kinds.size(), static_cast<size_t>(OpKind::kCount));
}

TEST(IrRoundTripTest, FloatAttributesRoundTripExactly) {
  for (float f : {1e-5f, 1e-6f, 0.35355339f, 500000.0f, 1e6f, 3.0f, 1.17549435e-38f}) {
    Graph g;
    g.SetSymbol("T", 4);
    Builder b(g);
    Value* x = b.Input("x", MakeType(ElemType::kF32, {"T", 4}));
    b.Output("y", b.RmsNorm(x, b.Weight("w", MakeType(ElemType::kF32, {4})), f < 1 ? f : 1e-5f));
    auto parsed = ParseGraph(PrintGraph(g));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(PrintGraph(**parsed), PrintGraph(g));
    AttrValue v = f;
    EXPECT_EQ(std::get<float>(AttrValue(std::stof(FormatAttrValue(v)))), f) << FormatAttrValue(v);
  }
}

TEST(IrRoundTripTest, ShortFormsParse) {
  const char* text = R"(
symbol T <= 8
%x = input "x" : T x 4 x f32
%w = weight "w" : 4 x f32
%n = rms_norm(%x, %w) {eps = 1e-05} : T x 4 x f32
%s = silu(%n)
output "y"(%s)
)";
  auto g = ParseGraph(text);
  ASSERT_TRUE(g.ok()) << g.status();
  // %s has no type until inference.
  const Op* silu = std::next((*g)->ops().begin(), 3)->get();
  EXPECT_FALSE(silu->result(0)->has_type());
  EXPECT_FALSE(Verify(**g).ok());
}

}  // namespace
}  // namespace rf::ir
