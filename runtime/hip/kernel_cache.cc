#include "runtime/hip/kernel_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <span>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "support/atomic_file.h"

namespace rf::hip {
namespace {

constexpr size_t kKeyBytes = 16;

void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetLe(absl::string_view bytes, size_t offset, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  }
  return v;
}

uint64_t Hash64(absl::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

// Appends a field as <length><bytes> so that ("ab", "c") and ("a", "bc") hash differently.
void HashField(XXH3_state_t* state, absl::string_view field) {
  uint64_t n = field.size();
  XXH3_128bits_update(state, &n, sizeof(n));
  XXH3_128bits_update(state, field.data(), field.size());
}

// The 16 key bytes of a 32-hex-digit key, or "" if `key` is not one.
std::string KeyBytes(absl::string_view key) {
  if (key.size() != 2 * kKeyBytes) return "";
  for (char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "";
  }
  return absl::HexStringToBytes(key);
}

absl::Status MakeDirectories(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::PermissionDeniedError(absl::StrCat(
          prefix, ": cannot create the kernel cache directory: ", std::strerror(errno)));
    }
  }
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": kernel cache path is not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string KernelCacheKey(absl::string_view source, const KernelTarget& target) {
  XXH3_state_t* state = XXH3_createState();
  XXH3_128bits_reset(state);
  HashField(state, "rocmforge-kernel-cache-v1");
  HashField(state, source);
  HashField(state, target.arch);
  HashField(state, target.compiler_version);
  for (const std::string& option : target.options) HashField(state, option);
  XXH128_hash_t h = XXH3_128bits_digest(state);
  XXH3_freeState(state);
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, h);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(canonical.digest), sizeof(canonical.digest)));
}

std::string KernelCache::DefaultDirectory() {
  if (const char* dir = std::getenv("RF_CACHE_DIR"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return absl::StrCat(xdg, "/rocmforge/kernels");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return absl::StrCat(home, "/.cache/rocmforge/kernels");
  }
  return "";
}

absl::StatusOr<KernelCache> KernelCache::Open(std::string dir) {
  if (dir.empty()) {
    return absl::InvalidArgumentError(
        "no kernel cache directory: set RF_CACHE_DIR (or XDG_CACHE_HOME or HOME)");
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (absl::Status s = MakeDirectories(dir); !s.ok()) return s;
  return KernelCache(std::move(dir));
}

std::string KernelCache::EntryPath(absl::string_view key) const {
  return absl::StrCat(dir_, "/", key, ".co");
}

std::string EncodeKernelEntry(absl::string_view key, absl::string_view code) {
  std::string out(kKernelEntryMagic, sizeof(kKernelEntryMagic));
  PutU32(out, kKernelEntryVersion);
  PutU32(out, kKernelEntryHeaderSize);
  std::string key_bytes = KeyBytes(key);
  key_bytes.resize(kKeyBytes, '\0');
  out += key_bytes;
  PutU64(out, code.size());
  PutU64(out, Hash64(code));
  PutU64(out, Hash64(out));  // bytes 0..47
  out.append(kKernelEntryHeaderSize - out.size(), '\0');
  out.append(code.data(), code.size());
  return out;
}

absl::StatusOr<std::string> DecodeKernelEntry(absl::string_view key, absl::string_view entry) {
  if (entry.size() < kKernelEntryHeaderSize) {
    return absl::DataLossError(absl::StrCat("truncated: ", entry.size(),
                                            " bytes, shorter than the ", kKernelEntryHeaderSize,
                                            "-byte header"));
  }
  if (entry.substr(0, sizeof(kKernelEntryMagic)) !=
      absl::string_view(kKernelEntryMagic, sizeof(kKernelEntryMagic))) {
    return absl::DataLossError("not a kernel cache entry (wrong magic)");
  }
  // The version first: another format may lay its header out differently.
  if (uint32_t version = GetLe(entry, 8, 4); version != kKernelEntryVersion) {
    return absl::DataLossError(
        absl::StrCat("stale: entry format version ", version, ", expected ", kKernelEntryVersion));
  }
  if (Hash64(entry.substr(0, 48)) != GetLe(entry, 48, 8)) {
    return absl::DataLossError("header checksum mismatch (corrupt)");
  }
  if (entry.substr(16, kKeyBytes) != KeyBytes(key)) {
    return absl::DataLossError(absl::StrCat("stale: the entry holds the code of key ",
                                            absl::BytesToHexString(entry.substr(16, kKeyBytes)),
                                            ", not ", key));
  }
  uint64_t size = GetLe(entry, 32, 8);
  if (size != entry.size() - kKernelEntryHeaderSize) {
    return absl::DataLossError(absl::StrCat("truncated: header says ", size,
                                            " code bytes, file has ",
                                            entry.size() - kKernelEntryHeaderSize));
  }
  absl::string_view code = entry.substr(kKernelEntryHeaderSize);
  if (Hash64(code) != GetLe(entry, 40, 8)) {
    return absl::DataLossError("code checksum mismatch (corrupt)");
  }
  return std::string(code);
}

absl::StatusOr<std::string> KernelCache::Load(absl::string_view key) const {
  std::string path = EntryPath(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": no cache entry"));
  }
  absl::StatusOr<std::string> entry = ReadFileToString(path);
  if (!entry.ok()) return entry.status();
  absl::StatusOr<std::string> code = DecodeKernelEntry(key, *entry);
  if (!code.ok()) {
    return absl::Status(code.status().code(), absl::StrCat(path, ": ", code.status().message()));
  }
  return code;
}

absl::Status KernelCache::Store(absl::string_view key, absl::string_view code) const {
  if (KeyBytes(key).empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", key, "' is not a kernel cache key"));
  }
  std::string entry = EncodeKernelEntry(key, code);
  return WriteFileAtomically(
      EntryPath(key),
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(entry.data()), entry.size()));
}

}  // namespace rf::hip
