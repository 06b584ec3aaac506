#include "runtime/cpu/thread_pool.h"

#include <algorithm>

namespace rf::cpu {

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

// Takes the next chunk of the current job and runs it; false when none is left.
bool ThreadPool::RunOneChunk() {
  int64_t begin, end;
  const std::function<void(int64_t, int64_t)>* fn;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (fn_ == nullptr || next_ >= n_) return false;
    begin = next_;
    end = std::min(n_, begin + chunk_);
    next_ = end;
    fn = fn_;
  }
  (*fn)(begin, end);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (--pending_chunks_ == 0) done_cv_.notify_all();
  }
  return true;
}

void ThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    while (RunOneChunk()) {
    }
  }
}

void ThreadPool::ParallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  // About four chunks per thread balances uneven work without much locking.
  int64_t chunk = std::max(grain, (n + size() * 4 - 1) / (size() * 4));
  if (workers_.empty() || n <= grain) {
    fn(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    n_ = n;
    chunk_ = chunk;
    next_ = 0;
    pending_chunks_ = (n + chunk - 1) / chunk;
    ++generation_;
  }
  work_cv_.notify_all();
  while (RunOneChunk()) {
  }
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return pending_chunks_ == 0; });
  fn_ = nullptr;
}

}  // namespace rf::cpu
