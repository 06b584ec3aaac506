// Device and pinned host memory owned by RAII handles. Every device allocation the runtime makes
// goes through DeviceBuffer, which counts them: the load statistics print the count, because the
// failure this project exists for was thousands of small hipMalloc calls (DESIGN.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"

namespace rf::hip {

// Device allocations made through DeviceBuffer since the process started.
uint64_t DeviceAllocationCount();

class DeviceBuffer {
 public:
  // hipMalloc of `bytes`; the error says how much was asked for and how much is free.
  static absl::StatusOr<DeviceBuffer> Allocate(size_t bytes);

  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer();

  void* data() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  DeviceBuffer(void* ptr, size_t size) : ptr_(ptr), size_(size) {}
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

// Page-locked host memory (hipHostMalloc): the staging buffer for fast, asynchronous uploads.
class PinnedBuffer {
 public:
  static absl::StatusOr<PinnedBuffer> Allocate(size_t bytes);

  PinnedBuffer() = default;
  PinnedBuffer(PinnedBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  PinnedBuffer& operator=(PinnedBuffer&& o) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  ~PinnedBuffer();

  void* data() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  PinnedBuffer(void* ptr, size_t size) : ptr_(ptr), size_(size) {}
  void* ptr_ = nullptr;
  size_t size_ = 0;
};

}  // namespace rf::hip
