#include "runtime/hip/memory.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "runtime/hip/hip_api.h"
#include "runtime/hip/hip_status.h"
#include "support/format.h"

namespace rf::hip {
namespace {
std::atomic<uint64_t> allocations{0};
}  // namespace

uint64_t DeviceAllocationCount() {
  return allocations.load();
}

absl::StatusOr<DeviceBuffer> DeviceBuffer::Allocate(size_t bytes) {
  void* ptr = nullptr;
  if (hipError_t e = hipMalloc(&ptr, bytes); e != hipSuccess) {
    (void)hipGetLastError();
    size_t free = 0, total = 0;
    std::string context = absl::StrCat("device allocation of ", HumanBytes(bytes));
    if (hipMemGetInfo(&free, &total) == hipSuccess) {
      absl::StrAppend(&context, " (", HumanBytes(free), " of ", HumanBytes(total), " free)");
    }
    return WithContext(HipError(e, "hipMalloc"), context);
  }
  ++allocations;
  return DeviceBuffer(ptr, bytes);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_ != nullptr) (void)hipFree(ptr_);
    ptr_ = std::exchange(o.ptr_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) (void)hipFree(ptr_);
}

absl::StatusOr<PinnedBuffer> PinnedBuffer::Allocate(size_t bytes) {
  void* ptr = nullptr;
  if (hipError_t e = hipHostMalloc(&ptr, bytes, hipHostMallocDefault); e != hipSuccess) {
    (void)hipGetLastError();
    return WithContext(HipError(e, "hipHostMalloc"),
                       absl::StrCat("pinned host allocation of ", HumanBytes(bytes)));
  }
  return PinnedBuffer(ptr, bytes);
}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& o) noexcept {
  if (this != &o) {
    if (ptr_ != nullptr) (void)hipHostFree(ptr_);
    ptr_ = std::exchange(o.ptr_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

PinnedBuffer::~PinnedBuffer() {
  if (ptr_ != nullptr) (void)hipHostFree(ptr_);
}

}  // namespace rf::hip
