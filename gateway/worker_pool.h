#pragma once
// Several workers serving the same model (--worker a:1,b:2): requests go round-robin to the workers
// last seen healthy. A worker is marked down when a call fails with UNAVAILABLE and up again when a
// health probe (Healthy()) reaches it and it serves the expected model.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/worker_client.h"

namespace basalt::gateway {

class WorkerPool final : public WorkerClient {
 public:
  explicit WorkerPool(std::vector<std::unique_ptr<WorkerClient>> workers);

  absl::StatusOr<v1::ModelInfoResponse> ModelInfo(absl::Duration timeout) override;
  absl::StatusOr<v1::GetTokenizerResponse> GetTokenizer(absl::Duration timeout) override;
  std::unique_ptr<GenerateCall> Generate(const v1::GenerateRequest& request, GenerateCallbacks callbacks) override;
  // Probes every worker and updates their marks; true when any answers (with the expected model).
  bool Healthy(absl::Duration timeout) override;
  // From now on, a worker that serves a model of another name counts as down ("" accepts any).
  void ExpectModel(const std::string& name);

  size_t size() const { return workers_.size(); }

 private:
  struct Member {
    std::unique_ptr<WorkerClient> client;
    std::atomic<bool> up{true};
  };
  // The next worker marked up, round-robin (or the next one at all when none is).
  Member& Pick();
  // A unary call on the picked worker; UNAVAILABLE marks it down.
  template <typename Response>
  absl::StatusOr<Response> Unary(absl::StatusOr<Response> (WorkerClient::*method)(absl::Duration),
                                 absl::Duration timeout);

  std::vector<std::unique_ptr<Member>> workers_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::string expected_model_;
};

}  // namespace basalt::gateway
