// The kernel cache and the parallel build, with a fake compile function: pure CPU, no GPU.
#include "runtime/hip/kernel_cache.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/hip/kernel_build.h"
#include "support/atomic_file.h"
#include "tests/test_util.h"

namespace rf::hip {
namespace {

using ::testing::HasSubstr;

KernelTarget Target() {
  return {"gfx1100", "fake compiler 1.0", {"-O3"}};
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string ReadFile(const std::string& path) {
  return *ReadFileToString(path);
}

TEST(KernelCacheKeyTest, DependsOnEverythingItShould) {
  const std::string k = KernelCacheKey("src", Target());
  EXPECT_EQ(k.size(), 32u);
  EXPECT_EQ(k, KernelCacheKey("src", Target()));
  KernelTarget t = Target();
  t.arch = "gfx1030";
  EXPECT_NE(k, KernelCacheKey("src", t));
  t = Target();
  t.compiler_version = "fake compiler 1.1";
  EXPECT_NE(k, KernelCacheKey("src", t));
  t = Target();
  t.options.push_back("-DX=1");
  EXPECT_NE(k, KernelCacheKey("src", t));
  EXPECT_NE(k, KernelCacheKey("src ", Target()));
  // Field boundaries count: ("ab", "c") is not ("a", "bc").
  KernelTarget a{"ab", "c", {}}, b{"a", "bc", {}};
  EXPECT_NE(KernelCacheKey("", a), KernelCacheKey("", b));
}

TEST(KernelCacheTest, StoresAndLoads) {
  auto cache = KernelCache::Open(testing::TempDir() + "/nested/dir");
  ASSERT_TRUE(cache.ok()) << cache.status();
  const std::string key = KernelCacheKey("src", Target());
  EXPECT_EQ(cache->Load(key).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(cache
                  ->Store(key, std::string("\x7f"
                                           "ELF code\0object",
                                           16))
                  .ok());
  auto code = cache->Load(key);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, std::string("\x7f"
                               "ELF code\0object",
                               16));
  EXPECT_FALSE(cache->Store("not-a-key", "x").ok());
}

// Each way an entry can go bad is detected as DataLoss with a message saying which.
class KernelCacheDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_.emplace(*KernelCache::Open(testing::TempDir()));
    key_ = KernelCacheKey("src", Target());
    ASSERT_TRUE(cache_->Store(key_, "0123456789abcdef").ok());
    path_ = cache_->EntryPath(key_);
    entry_ = ReadFile(path_);
    ASSERT_EQ(entry_.size(), kKernelEntryHeaderSize + 16);
  }
  void ExpectDataLoss(const std::string& damaged, const std::string& why) {
    WriteFile(path_, damaged);
    auto code = cache_->Load(key_);
    EXPECT_EQ(code.status().code(), absl::StatusCode::kDataLoss) << code.status();
    EXPECT_THAT(std::string(code.status().message()), HasSubstr(why));
  }
  std::optional<KernelCache> cache_;
  std::string key_, path_, entry_;
};

TEST_F(KernelCacheDamageTest, CorruptCode) {
  std::string e = entry_;
  e.back() ^= 1;
  ExpectDataLoss(e, "code checksum mismatch");
}

TEST_F(KernelCacheDamageTest, TruncatedCode) {
  ExpectDataLoss(entry_.substr(0, entry_.size() - 3), "truncated");
}

TEST_F(KernelCacheDamageTest, TruncatedHeader) {
  ExpectDataLoss(entry_.substr(0, 20), "truncated");
}

TEST_F(KernelCacheDamageTest, EmptyFile) {
  ExpectDataLoss("", "truncated");
}

TEST_F(KernelCacheDamageTest, WrongMagic) {
  std::string e = entry_;
  e[0] = 'X';
  ExpectDataLoss(e, "wrong magic");
}

TEST_F(KernelCacheDamageTest, CorruptHeader) {
  std::string e = entry_;
  e[33] ^= 0x40;  // the code size field
  ExpectDataLoss(e, "header checksum mismatch");
}

TEST_F(KernelCacheDamageTest, OtherFormatVersionIsStale) {
  std::string e = entry_;  // as an older or newer ROCmForge would have written it
  e[8] = 7;
  ExpectDataLoss(e, "stale: entry format version 7");
}

TEST_F(KernelCacheDamageTest, EntryOfAnotherKeyIsStale) {
  const std::string other = KernelCacheKey("other source", Target());
  ExpectDataLoss(EncodeKernelEntry(other, "0123456789abcdef"), "stale");
}

TEST(KernelCacheTest, DefaultDirectoryFollowsTheEnvironment) {
  ::setenv("RF_CACHE_DIR", "/x/rf", 1);
  EXPECT_EQ(KernelCache::DefaultDirectory(), "/x/rf");
  ::unsetenv("RF_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/x/xdg", 1);
  EXPECT_EQ(KernelCache::DefaultDirectory(), "/x/xdg/rocmforge/kernels");
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/x/home", 1);
  EXPECT_EQ(KernelCache::DefaultDirectory(), "/x/home/.cache/rocmforge/kernels");
}

std::vector<KernelSource> Kernels(int n) {
  std::vector<KernelSource> ks;
  for (int i = 0; i < n; ++i)
    ks.push_back({"k" + std::to_string(i), "source " + std::to_string(i)});
  return ks;
}

// A compiler that "compiles" a source to "code(<source>)" and counts its calls.
struct FakeCompiler {
  std::atomic<int> calls{0};
  CompileFunction fn() {
    return [this](const KernelSource& k) -> absl::StatusOr<std::string> {
      ++calls;
      if (k.source.find("syntax error") != std::string::npos) {
        return absl::InvalidArgumentError("kernel '" + k.name +
                                          "' for gfx1100: compile failed\nk.hip:3: expected ';'");
      }
      return "code(" + k.source + ")";
    };
  }
};

TEST(BuildKernelsTest, ColdThenWarm) {
  auto cache = KernelCache::Open(testing::TempDir());
  ASSERT_TRUE(cache.ok());
  const auto kernels = Kernels(32);
  KernelBuildOptions options{Target(), &*cache, 4};
  FakeCompiler compiler;
  KernelBuildStats stats;
  auto cold = BuildKernels(kernels, options, compiler.fn(), &stats);
  ASSERT_TRUE(cold.ok()) << cold.status();
  EXPECT_EQ(compiler.calls, 32);
  EXPECT_EQ(stats.compiled, 32);
  EXPECT_EQ(stats.cached, 0);
  for (int i = 0; i < 32; ++i) EXPECT_EQ((*cold)[i], "code(source " + std::to_string(i) + ")");

  auto warm = BuildKernels(kernels, options, compiler.fn(), &stats);
  ASSERT_TRUE(warm.ok()) << warm.status();
  EXPECT_EQ(compiler.calls, 32) << "a warm cache compiles nothing";
  EXPECT_EQ(stats.cached, 32);
  EXPECT_EQ(*warm, *cold);

  // Another compiler version is another key: everything compiles again.
  options.target.compiler_version = "fake compiler 2.0";
  ASSERT_TRUE(BuildKernels(kernels, options, compiler.fn(), &stats).ok());
  EXPECT_EQ(compiler.calls, 64);
}

TEST(BuildKernelsTest, DamagedEntriesAreRebuilt) {
  auto cache = KernelCache::Open(testing::TempDir());
  ASSERT_TRUE(cache.ok());
  const auto kernels = Kernels(3);
  KernelBuildOptions options{Target(), &*cache, 2};
  FakeCompiler compiler;
  ASSERT_TRUE(BuildKernels(kernels, options, compiler.fn()).ok());
  // Truncate one entry, corrupt another.
  const std::string p0 = cache->EntryPath(KernelCacheKey(kernels[0].source, Target()));
  const std::string p1 = cache->EntryPath(KernelCacheKey(kernels[1].source, Target()));
  WriteFile(p0, ReadFile(p0).substr(0, 70));
  std::string e1 = ReadFile(p1);
  e1[kKernelEntryHeaderSize] ^= 0x55;
  WriteFile(p1, e1);

  KernelBuildStats stats;
  auto built = BuildKernels(kernels, options, compiler.fn(), &stats);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(stats.rebuilt, 2);
  EXPECT_EQ(stats.compiled, 2);
  EXPECT_EQ(stats.cached, 1);
  EXPECT_EQ((*built)[0], "code(source 0)");
  EXPECT_EQ((*built)[1], "code(source 1)");
  // ... and stored again intact.
  EXPECT_TRUE(cache->Load(KernelCacheKey(kernels[0].source, Target())).ok());
  EXPECT_TRUE(cache->Load(KernelCacheKey(kernels[1].source, Target())).ok());
}

TEST(BuildKernelsTest, FailuresNameTheKernelAndKeepItsSource) {
  auto cache = KernelCache::Open(testing::TempDir());
  ASSERT_TRUE(cache.ok());
  auto kernels = Kernels(4);
  kernels[2].source = "int x = syntax error";
  FakeCompiler compiler;
  auto built = BuildKernels(kernels, {Target(), &*cache, 3}, compiler.fn());
  ASSERT_FALSE(built.ok());
  const std::string message(built.status().message());
  EXPECT_THAT(message, HasSubstr("1 of 4 kernels failed to compile for gfx1100"));
  EXPECT_THAT(message, HasSubstr("kernel 'k2'"));
  EXPECT_THAT(message, HasSubstr("expected ';'"));
  EXPECT_THAT(message, HasSubstr("source written to " + cache->dir() + "/failed/k2-"));
  const size_t at = message.find("source written to ") + 18;
  const std::string path = message.substr(at, message.find(')', at) - at);
  EXPECT_EQ(ReadFile(path), "int x = syntax error");
}

TEST(BuildKernelsTest, WithoutACacheCompilesEverything) {
  FakeCompiler compiler;
  auto built = BuildKernels(Kernels(5), {Target(), nullptr, 0}, compiler.fn());
  ASSERT_TRUE(built.ok());
  EXPECT_EQ(built->size(), 5u);
  EXPECT_EQ(compiler.calls, 5);
}

}  // namespace
}  // namespace rf::hip
