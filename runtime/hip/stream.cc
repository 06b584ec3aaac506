#include "runtime/hip/stream.h"

#include "runtime/hip/hip_status.h"

namespace rf::hip {

absl::StatusOr<Stream> Stream::Create() {
  hipStream_t s = nullptr;
  RF_HIP_RETURN_IF_ERROR(hipStreamCreateWithFlags(&s, hipStreamNonBlocking));
  return Stream(s);
}

Stream::~Stream() {
  if (s_ != nullptr) (void)hipStreamDestroy(s_);
}

absl::Status Stream::Synchronize() const {
  RF_HIP_RETURN_IF_ERROR(hipStreamSynchronize(s_));
  return absl::OkStatus();
}

absl::StatusOr<Event> Event::Create() {
  hipEvent_t e = nullptr;
  RF_HIP_RETURN_IF_ERROR(hipEventCreate(&e));
  return Event(e);
}

Event::~Event() {
  if (e_ != nullptr) (void)hipEventDestroy(e_);
}

absl::Status Event::Record(hipStream_t stream) const {
  RF_HIP_RETURN_IF_ERROR(hipEventRecord(e_, stream));
  return absl::OkStatus();
}

absl::Status Event::Synchronize() const {
  RF_HIP_RETURN_IF_ERROR(hipEventSynchronize(e_));
  return absl::OkStatus();
}

absl::StatusOr<float> Event::MillisecondsSince(const Event& start) const {
  float ms = 0;
  RF_HIP_RETURN_IF_ERROR(hipEventElapsedTime(&ms, start.e_, e_));
  return ms;
}

absl::Status Graph::BeginCapture(hipStream_t stream) {
  RF_HIP_RETURN_IF_ERROR(hipStreamBeginCapture(stream, hipStreamCaptureModeGlobal));
  return absl::OkStatus();
}

absl::StatusOr<Graph> Graph::EndCapture(hipStream_t stream) {
  hipGraph_t graph = nullptr;
  RF_HIP_RETURN_IF_ERROR(hipStreamEndCapture(stream, &graph));
  hipGraphExec_t exec = nullptr;
  if (hipError_t e = hipGraphInstantiate(&exec, graph, nullptr, nullptr, 0); e != hipSuccess) {
    (void)hipGraphDestroy(graph);
    return HipError(e, "hipGraphInstantiate");
  }
  return Graph(graph, exec);
}

Graph::~Graph() {
  if (exec_ != nullptr) (void)hipGraphExecDestroy(exec_);
  if (graph_ != nullptr) (void)hipGraphDestroy(graph_);
}

size_t Graph::node_count() const {
  size_t n = 0;
  if (hipGraphGetNodes(graph_, nullptr, &n) != hipSuccess) return 0;
  return n;
}

absl::Status Graph::Launch(hipStream_t stream) const {
  RF_HIP_RETURN_IF_ERROR(hipGraphLaunch(exec_, stream));
  return absl::OkStatus();
}

}  // namespace rf::hip
