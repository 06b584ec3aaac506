#include "runtime/tokenizer/vocab_serialize.h"

#include <array>
#include <cstring>

#include "absl/strings/str_format.h"
#include "support/status.h"

namespace rf::tokenizer {
namespace {

constexpr char kMagic[4] = {'R', 'F', 'V', 'C'};
constexpr uint32_t kVersion = 1;

enum Flag : uint8_t {
  kAddBos = 1 << 0,
  kAddEos = 1 << 1,
  kAddSpacePrefix = 1 << 2,
  kIgnoreMerges = 1 << 3,
  kCleanSpaces = 1 << 4,
  kAllFlags = (1 << 5) - 1,
};

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutString(absl::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s.data(), s.size());
}

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The special ids in their serialized order.
template <typename V>
auto SpecialSlots(V& v) {
  return std::array{&v.bos, &v.eos, &v.eot, &v.eom, &v.unk, &v.sep, &v.pad, &v.mask};
}

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t offset() const { return pos_; }
  size_t left() const { return bytes_.size() - pos_; }

  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrFormat(
        "vocabulary data: byte %d: %s (%d bytes in all)", pos_, what, bytes_.size()));
  }

  absl::Status Bytes(size_t n, const uint8_t** out) {
    if (n > left()) {
      return Error(absl::StrFormat("%d bytes needed, only %d left (truncated?)", n, left()));
    }
    *out = bytes_.data() + pos_;
    pos_ += n;
    return absl::OkStatus();
  }

  absl::Status U8(uint8_t* v) {
    const uint8_t* p = nullptr;
    RF_RETURN_IF_ERROR(Bytes(1, &p));
    *v = *p;
    return absl::OkStatus();
  }

  absl::Status U32(uint32_t* v) {
    const uint8_t* p = nullptr;
    RF_RETURN_IF_ERROR(Bytes(4, &p));
    *v = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    return absl::OkStatus();
  }

  absl::Status Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      RF_RETURN_IF_ERROR(U8(&b));
      if (shift == 63 && b > 1) return Error("varint overflows 64 bits");
      *v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return absl::OkStatus();
    }
    return Error("varint longer than 10 bytes");
  }

  // A count of items that take at least `min_bytes` each: larger than the bytes left could hold
  // is an error before anything is allocated for it.
  absl::Status Count(absl::string_view what, size_t min_bytes, size_t* n) {
    uint64_t v;
    RF_RETURN_IF_ERROR(Varint(&v));
    if (v > left() / min_bytes) {
      return Error(absl::StrFormat("%d %s cannot fit in the %d bytes left", v, what, left()));
    }
    *n = static_cast<size_t>(v);
    return absl::OkStatus();
  }

  absl::Status String(std::string* s) {
    size_t n = 0;
    RF_RETURN_IF_ERROR(Count("string bytes", 1, &n));
    const uint8_t* p = nullptr;
    RF_RETURN_IF_ERROR(Bytes(n, &p));
    s->assign(reinterpret_cast<const char*>(p), n);
    return absl::OkStatus();
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

}  // namespace

std::string SerializeVocab(const Vocab& v) {
  std::string out;
  out.append(kMagic, sizeof(kMagic));
  PutU32(kVersion, &out);
  out.push_back(static_cast<char>(v.model));
  out.push_back(static_cast<char>(v.pre));
  uint8_t flags = 0;
  if (v.add_bos) flags |= kAddBos;
  if (v.add_eos) flags |= kAddEos;
  if (v.add_space_prefix) flags |= kAddSpacePrefix;
  if (v.ignore_merges) flags |= kIgnoreMerges;
  if (v.clean_spaces) flags |= kCleanSpaces;
  out.push_back(static_cast<char>(flags));
  PutString(v.pre_name, &out);
  PutVarint(v.tokens.size(), &out);
  for (size_t i = 0; i < v.tokens.size(); ++i) {
    PutString(v.tokens[i], &out);
    uint32_t bits = 0;
    const float score = i < v.scores.size() ? v.scores[i] : 0.0f;
    std::memcpy(&bits, &score, 4);
    PutU32(bits, &out);
    PutVarint(i < v.attrs.size() ? v.attrs[i] : 0, &out);
  }
  PutVarint(v.merges.size(), &out);
  for (const std::string& m : v.merges) PutString(m, &out);
  for (const int32_t* id : SpecialSlots(v)) PutVarint(static_cast<uint32_t>(*id + 1), &out);
  PutVarint(v.eog.size(), &out);
  for (int32_t id : v.eog) PutVarint(static_cast<uint32_t>(id), &out);
  return out;
}

absl::StatusOr<Vocab> DeserializeVocab(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  Vocab v;
  const uint8_t* magic = nullptr;
  RF_RETURN_IF_ERROR(r.Bytes(sizeof(kMagic), &magic));
  if (std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError("vocabulary data: wrong magic (not a serialized vocabulary)");
  }
  uint32_t version;
  RF_RETURN_IF_ERROR(r.U32(&version));
  if (version != kVersion) {
    return r.Error(
        absl::StrFormat("format version %d, this build reads version %d", version, kVersion));
  }
  uint8_t model, pre, flags;
  RF_RETURN_IF_ERROR(r.U8(&model));
  RF_RETURN_IF_ERROR(r.U8(&pre));
  RF_RETURN_IF_ERROR(r.U8(&flags));
  if (flags & ~kAllFlags) return r.Error(absl::StrFormat("unknown flag bits 0x%x", flags));
  v.model = static_cast<ModelKind>(model);
  v.pre = static_cast<PreTokenizer>(pre);
  v.add_bos = flags & kAddBos;
  v.add_eos = flags & kAddEos;
  v.add_space_prefix = flags & kAddSpacePrefix;
  v.ignore_merges = flags & kIgnoreMerges;
  v.clean_spaces = flags & kCleanSpaces;
  RF_RETURN_IF_ERROR(r.String(&v.pre_name));

  size_t n = 0;
  RF_RETURN_IF_ERROR(r.Count("tokens", 6, &n));  // length, score, attrs: at least 6 bytes
  v.tokens.resize(n);
  v.scores.resize(n);
  v.attrs.resize(n);
  for (size_t i = 0; i < n; ++i) {
    RF_RETURN_IF_ERROR(r.String(&v.tokens[i]));
    uint32_t bits;
    RF_RETURN_IF_ERROR(r.U32(&bits));
    std::memcpy(&v.scores[i], &bits, 4);
    uint64_t attr;
    RF_RETURN_IF_ERROR(r.Varint(&attr));
    if (attr > kAttrAll) return r.Error(absl::StrFormat("token %d: unknown attributes", i));
    v.attrs[i] = static_cast<uint32_t>(attr);
  }
  RF_RETURN_IF_ERROR(r.Count("merges", 1, &n));
  v.merges.resize(n);
  for (size_t i = 0; i < n; ++i) RF_RETURN_IF_ERROR(r.String(&v.merges[i]));
  for (int32_t* slot : SpecialSlots(v)) {
    uint64_t id;
    RF_RETURN_IF_ERROR(r.Varint(&id));
    if (id > v.tokens.size())
      return r.Error(absl::StrFormat("special token id %d out of range", id - 1));
    *slot = static_cast<int32_t>(id) - 1;
  }
  RF_RETURN_IF_ERROR(r.Count("end-of-generation ids", 1, &n));
  v.eog.resize(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t id;
    RF_RETURN_IF_ERROR(r.Varint(&id));
    if (id >= v.tokens.size())
      return r.Error(absl::StrFormat("end-of-generation id %d out of range", id));
    v.eog[i] = static_cast<int32_t>(id);
  }
  if (r.left() != 0) return r.Error(absl::StrFormat("%d unexpected bytes after the end", r.left()));
  RF_RETURN_IF_ERROR(ValidateVocab(v));
  return v;
}

}  // namespace rf::tokenizer
