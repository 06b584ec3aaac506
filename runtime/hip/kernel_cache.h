// The on-disk cache of compiled kernels (code objects), so that loading a plan the second time
// compiles nothing. Pure CPU code: it knows nothing of HIP (kernel_build.h puts it together with a
// compile function), so its tests run anywhere.
//
// Key: XXH3-128 of the kernel source, the target architecture, the compiler's version and the
// compile options (each length-prefixed so that no two different inputs hash the same text).
// Location: $RF_CACHE_DIR, else $XDG_CACHE_HOME/rocmforge/kernels, else ~/.cache/rocmforge/kernels.
// Entry <key>.co: a 64-byte header then the code object. The header (little-endian):
//   0  magic "RFKERNEL"      8  format version (u32)   12 header size (u32)
//   16 key (16 bytes)        32 code size (u64)        40 XXH3-64 of the code (u64)
//   48 XXH3-64 of bytes 0..47 (u64)                    56 reserved (zero)
// A short file, a wrong magic or header checksum, another format version, a key that is not the
// file's own, a size that disagrees with the file or a code checksum mismatch makes the entry
// unusable: Load says which (DataLoss), and the caller compiles again and overwrites it. Entries
// are written atomically (support/atomic_file.h), so readers never see half an entry. Prior art:
// the CUDA driver's ComputeCache and MIOpen's kernel cache key on source + options + compiler
// version.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rf::hip {

inline constexpr char kKernelEntryMagic[8] = {'R', 'F', 'K', 'E', 'R', 'N', 'E', 'L'};
inline constexpr uint32_t kKernelEntryVersion = 1;
inline constexpr uint32_t kKernelEntryHeaderSize = 64;

// What a code object depends on besides its source.
struct KernelTarget {
  std::string arch;              // "gfx1100", "gfx90a:sramecc+:xnack-", "sm_90"
  std::string compiler_version;  // e.g. "hipRTC (HIP 5.2.21153)", "NVRTC 13.0"
  std::vector<std::string> options;
};

// The cache key of `source` compiled for `target`: 32 lowercase hex digits.
std::string KernelCacheKey(absl::string_view source, const KernelTarget& target);

class KernelCache {
 public:
  // $RF_CACHE_DIR, $XDG_CACHE_HOME/rocmforge/kernels or $HOME/.cache/rocmforge/kernels; "" when
  // none of these variables is set.
  static std::string DefaultDirectory();

  // Opens (creating it and its parents if needed) the cache in `dir`.
  static absl::StatusOr<KernelCache> Open(std::string dir);

  const std::string& dir() const { return dir_; }
  std::string EntryPath(absl::string_view key) const;

  // The code object stored under `key`: NotFound when there is no entry, DataLoss (saying what is
  // wrong) when the entry is corrupt, truncated or stale.
  absl::StatusOr<std::string> Load(absl::string_view key) const;
  // Stores `code` under `key`, atomically replacing any entry.
  absl::Status Store(absl::string_view key, absl::string_view code) const;

 private:
  explicit KernelCache(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

// The entry file for `code` (header + code), as Store writes it. Exposed for tests.
std::string EncodeKernelEntry(absl::string_view key, absl::string_view code);
// The code object in `entry` if it is intact and stored under `key`; DataLoss otherwise.
absl::StatusOr<std::string> DecodeKernelEntry(absl::string_view key, absl::string_view entry);

}  // namespace rf::hip
