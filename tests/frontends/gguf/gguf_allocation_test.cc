// The reader never makes an allocation larger than the file on a count the file claims. Counts are
// checked against the bytes left, but a count that passes that check (a big file whose n_kv is
// corrupt) used to be reserved in full: ~120 bytes of KeyValue per 13 bytes of file, so a 4 GiB
// model claiming 300 million keys asked for 36 GiB and died of bad_alloc.
//
// This binary replaces the global operator new to record the largest single allocation; it is not
// in the sanitizer build (ASan has its own operator new).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <vector>

#include "frontends/gguf/gguf.h"
#include "gtest/gtest.h"
#include "tests/frontends/gguf/gguf_bytes.h"

namespace {
std::atomic<size_t> g_largest{0};
}  // namespace

void* operator new(size_t n) {
  size_t seen = g_largest.load();
  while (n > seen && !g_largest.compare_exchange_weak(seen, n)) {
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
// GCC cannot tell that these replace the global pair: the pointers do come from malloc above.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
#pragma GCC diagnostic pop

namespace rf::gguf::testing {
namespace {

constexpr uint64_t kFileSize = 8 << 20;

// The largest single allocation made while parsing `b` (padded with zeros to kFileSize), which
// must fail to parse.
size_t LargestAllocationParsing(GgufBytes& b) {
  b.Zeros(kFileSize - b.size());
  g_largest = 0;
  EXPECT_FALSE(GgufFile::Parse("big.gguf", b.bytes()).ok());
  return g_largest.load();
}

// Zeros read as a key "" of type u8, then the same key again: a duplicate, after one entry.
TEST(GgufAllocationTest, KeyValueCountIsNotReservedInFull) {
  GgufBytes b;
  b.Header(0, (kFileSize - 24) / 13);
  EXPECT_LT(LargestAllocationParsing(b), kFileSize / 8);
}

// Zeros read as a tensor "" with 0 dims: an error at the first info.
TEST(GgufAllocationTest, TensorCountIsNotReservedInFull) {
  GgufBytes b;
  b.Header((kFileSize - 24) / 24, 0);
  EXPECT_LT(LargestAllocationParsing(b), kFileSize / 8);
}

// A string array whose second element has an absurd length.
TEST(GgufAllocationTest, StringArrayCountIsNotReservedInFull) {
  GgufBytes b;
  b.Header(0, 1).ArrayKey("k", ValueType::kString, (kFileSize - 100) / 8).Str("").U64(~0ull);
  EXPECT_LT(LargestAllocationParsing(b), kFileSize / 8);
}

}  // namespace
}  // namespace rf::gguf::testing
