#pragma once
// The gateway's view of a worker (proto/basalt/v1/worker.proto). An interface, so that handlers do not
// depend on how the worker is reached; GrpcWorkerClient is the real one, WorkerPool spreads requests
// over several.
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "basalt/v1/worker.pb.h"

namespace basalt::gateway {

// Where a Generate stream's messages go. Called on the client's threads, one call at a time per stream;
// on_done is the last call.
struct GenerateCallbacks {
  std::function<void(v1::GenerateResponse response)> on_response;
  std::function<void(absl::Status status)> on_done;
};

// A running Generate stream.
class GenerateCall {
 public:
  // Cancels the stream if it is still running and waits until on_done has returned.
  virtual ~GenerateCall() = default;
  // Asks the worker to stop (a Cancel message on the stream); on_done follows with CANCELLED.
  virtual void Cancel(const std::string& reason) = 0;
};

class WorkerClient {
 public:
  virtual ~WorkerClient() = default;
  virtual absl::StatusOr<v1::ModelInfoResponse> ModelInfo(absl::Duration timeout) = 0;
  virtual absl::StatusOr<v1::GetTokenizerResponse> GetTokenizer(absl::Duration timeout) = 0;
  // Starts a stream. Errors (including "no worker") arrive through on_done.
  virtual std::unique_ptr<GenerateCall> Generate(const v1::GenerateRequest& request,
                                                 GenerateCallbacks callbacks) = 0;
  // True when a worker answers ModelInfo within `timeout`.
  virtual bool Healthy(absl::Duration timeout) = 0;
};

// A worker reached over gRPC at `target` ("host:port").
std::unique_ptr<WorkerClient> NewGrpcWorkerClient(const std::string& target);

}  // namespace basalt::gateway
