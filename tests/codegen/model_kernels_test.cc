// Every kernel of real model plans compiles for the GPUs we ship to, and the AMD ones (gfx1100,
// and gfx942 for CDNA) use no scratch and spill nothing: stories260K (the bundled model), and
// Qwen2.5-0.5B (q8_0, f16), Llama-3.2-1B (q4_k_m: q4_K and q6_K) and Llama-2-7B (q4_0) synthesized
// in their exact shapes. The synthesized models have all-zero weights stored as holes (sparse
// files), so even the 7B one costs no disk or time: kernels depend only on shapes and types.
//
// Routes: gfx1100 with a real hipRTC (HIP 5.7's, in the Debian 13 chroot) and with clang's AMDGPU
// backend through compiler/aot.h (what `rfc compile --aot` and `--report-kernels` use), gfx942 with
// clang; sm_90 with
// NVRTC (a build with RF_HIP_BACKEND=CUDA). The synthesized models take their tokenizers from the
// llama.cpp oracle's vocab files.
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codegen/codegen.h"
#include "codegen/kernel_resources.h"
#include "codegen/offline_compile.h"
#include "codegen/target.h"
#include "compiler/aot.h"
#include "compiler/driver.h"
#include "compiler/plan_builder.h"
#include "frontends/gguf/synth.h"
#include "gtest/gtest.h"
#include "support/parallel.h"
#include "support/status.h"
#include "tests/codegen/toolchains.h"
#include "tests/test_util.h"
#if defined(RF_HIP_BACKEND_AMD) || defined(RF_HIP_BACKEND_CUDA)
#include "runtime/hip/kernel_compiler.h"
#endif

namespace rf::codegen {
namespace {

struct ModelCase {
  std::string name;    // for the test name
  std::string preset;  // "" for the bundled stories260K
  std::string type;
  std::string vocab;  // llama.cpp's models/ggml-vocab-<vocab>.gguf
};

struct Case {
  ModelCase model;
  std::string target;  // "gfx1100", "gfx942", "sm_90"
  std::string route;   // "chroot", "clang", "nvrtc"
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model.name << " " << c.target << " " << c.route;
}

std::vector<Case> AllCases() {
  const std::vector<ModelCase> models = {
      {"stories260K", "", "", ""},
      {"qwen2_5_0_5b_q8_0", "qwen2.5-0.5b", "q8_0", "qwen2"},
      {"qwen2_5_0_5b_f16", "qwen2.5-0.5b", "f16", "qwen2"},
      {"llama_3_2_1b_q4_k_m", "llama-3.2-1b", "q4_k_m", "llama-bpe"},
      {"llama_2_7b_q4_0", "llama-2-7b", "q4_0", "llama-spm"},
  };
  std::vector<Case> cases;
  for (const ModelCase& m : models) {
    cases.push_back({m, "gfx1100", "chroot"});
    cases.push_back({m, "gfx1100", "clang"});
    cases.push_back({m, "gfx942", "clang"});  // CDNA: wave64, MFMA prefill
    cases.push_back({m, "sm_90", "nvrtc"});
  }
  return cases;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return absl::StrCat(info.param.model.name, "_", info.param.target, "_", info.param.route);
}

// The model file: the bundled one, or synthesized (zeros) once per test binary run.
absl::StatusOr<std::string> ModelFile(const ModelCase& m, const std::string& oracle) {
  if (m.preset.empty()) return testing::ModelPath("stories260K.gguf");
  static std::mutex mu;
  static std::map<std::string, std::string> made;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = made.find(m.name); it != made.end()) return it->second;
  gguf::SynthOptions o;
  RF_ASSIGN_OR_RETURN(o.shape, gguf::PresetShape("", m.preset));
  RF_ASSIGN_OR_RETURN(o.type, gguf::FindSynthType(m.type));
  o.vocab_path = oracle + "/src/models/ggml-vocab-" + m.vocab + ".gguf";
  o.zero_weights = true;
  const std::string path = testing::TempDir() + "/" + m.name + ".gguf";
  RF_RETURN_IF_ERROR(gguf::Synthesize(o, path).status());
  made[m.name] = path;
  return path;
}

class ModelKernelsTest : public ::testing::TestWithParam<Case> {};

TEST_P(ModelKernelsTest, EveryKernelCompilesWithoutSpills) {
  const Case& c = GetParam();
  if (c.route == "chroot") RF_TOOLCHAIN_OR_SKIP(ChrootAvailable());
  if (c.route == "clang") RF_TOOLCHAIN_OR_SKIP(ClangAvailable());
  if (c.target.rfind("gfx", 0) == 0) RF_TOOLCHAIN_OR_SKIP(ReadelfAvailable());
#if !defined(RF_HIP_BACKEND_CUDA)
  if (c.route == "nvrtc") GTEST_SKIP() << "sm_90 needs a build with RF_HIP_BACKEND=CUDA (NVRTC)";
#endif
  std::string oracle;
  if (!c.model.preset.empty()) {
    RF_ORACLE_OR_SKIP(dir);  // the vocab files
    oracle = dir;
  }
  auto path = ModelFile(c.model, oracle);
  ASSERT_TRUE(path.ok()) << path.status();
  auto compilation = compiler::CompileToIr(*path, {});
  ASSERT_TRUE(compilation.ok()) << compilation.status();
  auto plan = compiler::BuildPlan(*compilation->graph, *compilation->model, c.target);
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto target = FindTarget(c.target);
  ASSERT_TRUE(target.ok());
  ASSERT_TRUE(GenerateKernels(*plan, *target).ok());
  // Each kind of kernel the model needs: decode GEMV, prefill GEMM, attention, norms.
  ASSERT_GE(plan->kernels.size(), 10u);

  CodeObjectResources resources;
  if (c.route == "clang") {
    auto r = compiler::CompileKernelsAheadOfTime(*plan, *target, {});
    ASSERT_TRUE(r.ok()) << r.status();
    resources = *std::move(r);
  } else {
    const int64_t n = static_cast<int64_t>(plan->kernels.size());
    std::vector<absl::StatusOr<std::string>> code(n, absl::UnknownError("not compiled"));
    const std::vector<std::string> options = {"-O3", "-std=c++17"};  // what the runtime passes
    ParallelFor(n, 1, 0, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const plan::Kernel& k = plan->kernels[i];
        if (c.route == "chroot") {
          auto r = CompileWithChrootHiprtc(k.name, k.source, c.target, options);
          code[i] = r.ok() ? absl::StatusOr<std::string>(r->code_object) : r.status();
        } else {
#if defined(RF_HIP_BACKEND_CUDA)
          auto compiler = rf::hip::KernelCompiler::Create(c.target, options);
          code[i] = compiler.ok() ? compiler->Compile({k.name, k.source}) : compiler.status();
#endif
        }
      }
    });
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_TRUE(code[i].ok()) << plan->kernels[i].name << ": " << code[i].status();
      EXPECT_GT(code[i]->size(), 1000u) << plan->kernels[i].name;
      if (c.route != "chroot") continue;
      auto r = ReadKernelResources(*code[i]);
      ASSERT_TRUE(r.ok()) << plan->kernels[i].name << ": " << r.status();
      for (KernelResources& k : r->kernels) resources.kernels.push_back(std::move(k));
      resources.arch = r->arch;
    }
  }
  if (c.target.rfind("gfx", 0) != 0) return;
  ASSERT_EQ(resources.kernels.size(), plan->kernels.size());
  for (const KernelResources& k : resources.kernels) {
    EXPECT_EQ(k.wave_size, target->wave_size) << k.name;
    EXPECT_EQ(k.scratch_bytes, 0) << k.name;
    EXPECT_EQ(k.vgpr_spills + k.sgpr_spills, 0) << k.name;
    EXPECT_LE(k.lds_bytes, target->lds_bytes) << k.name;
  }
  std::printf("%s", FormatKernelResources(resources).c_str());
}

INSTANTIATE_TEST_SUITE_P(Models, ModelKernelsTest, ::testing::ValuesIn(AllCases()), CaseName);

}  // namespace
}  // namespace rf::codegen
