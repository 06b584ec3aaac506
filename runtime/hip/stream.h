// Streams, timing events and captured graphs, owned by RAII handles.
//
// The decode step is recorded once by stream capture and replayed as a graph for every token
// (DESIGN.md: dynamic values live in the arena, not in kernel arguments, so one graph serves all
// steps). HIP and CUDA both support capture of hipModuleLaunchKernel launches.
#pragma once

#include <cstddef>
#include <utility>

#include "absl/status/statusor.h"
#include "runtime/hip/hip_api.h"

namespace rf::hip {

class Stream {
 public:
  static absl::StatusOr<Stream> Create();  // non-blocking with respect to the null stream
  Stream(Stream&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Stream& operator=(Stream&&) = delete;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  ~Stream();

  hipStream_t get() const { return s_; }
  absl::Status Synchronize() const;

 private:
  explicit Stream(hipStream_t s) : s_(s) {}
  hipStream_t s_ = nullptr;
};

class Event {
 public:
  static absl::StatusOr<Event> Create();
  Event(Event&& o) noexcept : e_(std::exchange(o.e_, nullptr)) {}
  Event& operator=(Event&&) = delete;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event();

  hipEvent_t get() const { return e_; }
  absl::Status Record(hipStream_t stream) const;
  absl::Status Synchronize() const;
  // Milliseconds from `start` to this event (both recorded and complete).
  absl::StatusOr<float> MillisecondsSince(const Event& start) const;

 private:
  explicit Event(hipEvent_t e) : e_(e) {}
  hipEvent_t e_ = nullptr;
};

// A graph recorded from a stream and instantiated for replay.
class Graph {
 public:
  // Starts capturing `stream`; work enqueued on it is recorded, not run, until EndCapture.
  static absl::Status BeginCapture(hipStream_t stream);
  // Ends the capture and instantiates the recorded graph.
  static absl::StatusOr<Graph> EndCapture(hipStream_t stream);

  Graph(Graph&& o) noexcept
      : graph_(std::exchange(o.graph_, nullptr)), exec_(std::exchange(o.exec_, nullptr)) {}
  Graph& operator=(Graph&&) = delete;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph();

  size_t node_count() const;
  // Replays the whole graph on `stream`.
  absl::Status Launch(hipStream_t stream) const;

 private:
  Graph(hipGraph_t graph, hipGraphExec_t exec) : graph_(graph), exec_(exec) {}
  hipGraph_t graph_ = nullptr;
  hipGraphExec_t exec_ = nullptr;
};

}  // namespace rf::hip
