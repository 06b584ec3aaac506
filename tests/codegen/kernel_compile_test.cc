// The offline kernel checks: every kernel of tests/kernels/ compiles for gfx1100 (a real hipRTC in
// the Debian 13 chroot, and clang 19), gfx1030 and gfx90a (this build's hipRTC, and clang 19) and
// sm_90 (NVRTC through the CUDA shim), and on gfx1100 uses no scratch and spills nothing. Also
// checks our occupancy arithmetic against the compiler's own report.
//
// A toolchain that is missing skips its tests with the reason; with RF_REQUIRE_KERNEL_TOOLCHAINS=1
// (CI) a missing clang, llvm-readelf or chroot fails them instead. Targets this build's backend
// cannot serve (sm_90 in an AMD build, hipRTC gfx in a CUDA build) always skip.
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codegen/kernel_resources.h"
#include "codegen/offline_compile.h"
#include "codegen/prelude.h"
#include "gtest/gtest.h"
#include "support/atomic_file.h"
#include "tests/codegen/toolchains.h"
#if defined(RF_HIP_BACKEND_AMD) || defined(RF_HIP_BACKEND_CUDA)
#include "runtime/hip/kernel_compiler.h"
#endif

namespace rf::codegen {
namespace {

struct Case {
  std::string kernel;  // file in tests/kernels/
  std::string arch;
  std::string route;  // "chroot", "clang", "hiprtc"
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.kernel << " " << c.arch << " " << c.route;
}

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = absl::StrCat(info.param.kernel, "_", info.param.arch, "_", info.param.route);
  for (char& c : name) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const char* k : {"gemv_f16.hip", "rms_norm.hip", "lds_transpose.hip"}) {
    cases.push_back({k, "gfx1100", "chroot"});
    cases.push_back({k, "gfx1100", "clang"});
    cases.push_back({k, "gfx1030", "hiprtc"});
    cases.push_back({k, "gfx1030", "clang"});
    cases.push_back({k, "gfx90a", "hiprtc"});
    cases.push_back({k, "gfx90a", "clang"});
    cases.push_back({k, "sm_90", "hiprtc"});
  }
  return cases;
}

std::vector<std::string> Options(const std::string& arch) {
  const int wave = arch.rfind("gfx9", 0) == 0 ? 64 : 32;
  return {"-O3", "-std=c++17", absl::StrCat("-DRF_WAVE_SIZE=", wave)};
}

class KernelCompileTest : public ::testing::TestWithParam<Case> {};

TEST_P(KernelCompileTest, Compiles) {
  const Case& c = GetParam();
  auto body = ReadFileToString(absl::StrCat(RF_SOURCE_DIR, "/tests/kernels/", c.kernel));
  ASSERT_TRUE(body.ok()) << body.status();
  const std::string source = WithPrelude(DialectForArch(c.arch), *body);
  std::string code;
  if (c.route == "clang") {
    RF_TOOLCHAIN_OR_SKIP(ClangAvailable());
    auto r = CompileAmdgpuWithClang(c.kernel, source, c.arch, Options(c.arch));
    ASSERT_TRUE(r.ok()) << r.status();
    code = r->code_object;
  } else if (c.route == "chroot") {
    RF_TOOLCHAIN_OR_SKIP(ChrootAvailable());
    auto r = CompileWithChrootHiprtc(c.kernel, source, c.arch, Options(c.arch));
    ASSERT_TRUE(r.ok()) << r.status();
    code = r->code_object;
  } else {
#if defined(RF_HIP_BACKEND_AMD)
    if (c.arch.rfind("sm_", 0) == 0) GTEST_SKIP() << "sm_90 needs a build with RF_HIP_BACKEND=CUDA";
#elif defined(RF_HIP_BACKEND_CUDA)
    if (c.arch.rfind("sm_", 0) != 0)
      GTEST_SKIP() << c.arch << " needs a build with RF_HIP_BACKEND=AMD";
#else
    GTEST_SKIP() << "built with RF_HIP_BACKEND=OFF: no hipRTC or NVRTC";
#endif
#if defined(RF_HIP_BACKEND_AMD) || defined(RF_HIP_BACKEND_CUDA)
    auto compiler = rf::hip::KernelCompiler::Create(c.arch, Options(c.arch));
    ASSERT_TRUE(compiler.ok()) << compiler.status();
    auto r = compiler->Compile({c.kernel, source});
    ASSERT_TRUE(r.ok()) << r.status();
    code = *r;
#endif
  }
  EXPECT_GT(code.size(), 1000u);
  if (c.arch.rfind("gfx", 0) != 0) return;

  // AMD code objects: the resource report must read, and gfx1100 kernels must not spill.
  RF_TOOLCHAIN_OR_SKIP(ReadelfAvailable());
  auto resources = ReadKernelResources(code);
  ASSERT_TRUE(resources.ok()) << resources.status();
  ASSERT_EQ(resources->kernels.size(), 1u);
  const KernelResources& k = resources->kernels[0];
  EXPECT_EQ(k.wave_size, c.arch == "gfx90a" ? 64 : 32);
  EXPECT_TRUE(k.occupancy.has_value());
  if (c.arch == "gfx1100") {
    EXPECT_EQ(k.scratch_bytes, 0) << FormatKernelResources(*resources);
    EXPECT_EQ(k.vgpr_spills + k.sgpr_spills, 0) << FormatKernelResources(*resources);
  }
  std::printf("%s", FormatKernelResources(*resources).c_str());
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelCompileTest, ::testing::ValuesIn(AllCases()), CaseName);

// Our occupancy arithmetic agrees with LLVM's own (-Rpass-analysis=kernel-resource-usage) on a
// kernel whose register and LDS use we vary.
struct Probe {
  std::string arch;
  int values, lds_bytes, threads;
};

void PrintTo(const Probe& p, std::ostream* os) {
  *os << p.arch << " values=" << p.values << " lds=" << p.lds_bytes << " threads=" << p.threads;
}

class OccupancyAgreementTest : public ::testing::TestWithParam<Probe> {};

TEST_P(OccupancyAgreementTest, MatchesTheCompiler) {
  const Probe& p = GetParam();
  RF_TOOLCHAIN_OR_SKIP(ClangAvailable());
  RF_TOOLCHAIN_OR_SKIP(ReadelfAvailable());
  auto body =
      ReadFileToString(absl::StrCat(RF_SOURCE_DIR, "/tests/codegen/testdata/occupancy_probe.hip"));
  ASSERT_TRUE(body.ok());
  std::vector<std::string> options = Options(p.arch);
  options.insert(
      options.end(),
      {absl::StrCat("-DPROBE_VALUES=", p.values), absl::StrCat("-DPROBE_LDS_BYTES=", p.lds_bytes),
       absl::StrCat("-DPROBE_THREADS=", p.threads), "-Rpass-analysis=kernel-resource-usage"});
  auto r = CompileAmdgpuWithClang("occupancy_probe", WithPrelude(KernelDialect::kHip, *body),
                                  p.arch, options);
  ASSERT_TRUE(r.ok()) << r.status();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r->log, m, std::regex(R"(Occupancy \[waves/SIMD\]: (\d+))")))
      << r->log;
  const int llvm = std::stoi(m[1]);
  auto resources = ReadKernelResources(r->code_object);
  ASSERT_TRUE(resources.ok()) << resources.status();
  const KernelResources& k = resources->kernels.at(0);
  ASSERT_TRUE(k.occupancy.has_value());
  EXPECT_EQ(k.occupancy->waves_per_simd, llvm) << FormatKernelResources(*resources);
}

INSTANTIATE_TEST_SUITE_P(
    Probes, OccupancyAgreementTest,
    ::testing::Values(Probe{"gfx1100", 8, 0, 256}, Probe{"gfx1100", 60, 0, 256},
                      Probe{"gfx1100", 100, 0, 128}, Probe{"gfx1100", 8, 40000, 256},
                      Probe{"gfx1100", 8, 20000, 64}, Probe{"gfx1100", 140, 9000, 1024},
                      Probe{"gfx1030", 60, 0, 256}, Probe{"gfx1030", 8, 30000, 128},
                      Probe{"gfx90a", 60, 0, 256}, Probe{"gfx90a", 8, 20000, 256}),
    [](const ::testing::TestParamInfo<Probe>& probe) {
      return absl::StrCat(probe.param.arch, "_v", probe.param.values, "_lds", probe.param.lds_bytes,
                          "_t", probe.param.threads);
    });

}  // namespace
}  // namespace rf::codegen
