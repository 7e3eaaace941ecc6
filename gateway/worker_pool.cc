#include "gateway/worker_pool.h"

#include "spdlog/spdlog.h"

namespace basalt::gateway {

WorkerPool::WorkerPool(std::vector<std::unique_ptr<WorkerClient>> workers) {
  for (auto& client : workers) {
    auto member = std::make_unique<Member>();
    member->client = std::move(client);
    workers_.push_back(std::move(member));
  }
}

WorkerPool::Member& WorkerPool::Pick() {
  const size_t start = next_.fetch_add(1);
  for (size_t i = 0; i < workers_.size(); ++i) {
    Member& member = *workers_[(start + i) % workers_.size()];
    if (member.up.load()) return member;
  }
  return *workers_[start % workers_.size()];
}

template <typename Response>
absl::StatusOr<Response> WorkerPool::Unary(absl::StatusOr<Response> (WorkerClient::*method)(absl::Duration),
                                           absl::Duration timeout) {
  if (workers_.empty()) return absl::UnavailableError("no worker configured");
  Member& member = Pick();
  absl::StatusOr<Response> response = (member.client.get()->*method)(timeout);
  member.up = response.ok() || response.status().code() != absl::StatusCode::kUnavailable;
  return response;
}

absl::StatusOr<v1::ModelInfoResponse> WorkerPool::ModelInfo(absl::Duration timeout) {
  return Unary(&WorkerClient::ModelInfo, timeout);
}

absl::StatusOr<v1::GetTokenizerResponse> WorkerPool::GetTokenizer(absl::Duration timeout) {
  return Unary(&WorkerClient::GetTokenizer, timeout);
}

std::unique_ptr<GenerateCall> WorkerPool::Generate(const v1::GenerateRequest& request, GenerateCallbacks callbacks) {
  Member& member = Pick();
  GenerateCallbacks wrapped;
  wrapped.on_response = std::move(callbacks.on_response);
  wrapped.on_done = [&member, on_done = std::move(callbacks.on_done)](absl::Status status) {
    if (status.code() == absl::StatusCode::kUnavailable) member.up = false;
    on_done(std::move(status));
  };
  return member.client->Generate(request, std::move(wrapped));
}

void WorkerPool::ExpectModel(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  expected_model_ = name;
}

bool WorkerPool::Healthy(absl::Duration timeout) {
  std::string expected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    expected = expected_model_;
  }
  bool any = false;
  for (auto& member : workers_) {
    absl::StatusOr<v1::ModelInfoResponse> info = member->client->ModelInfo(timeout);
    const bool same_model = info.ok() && (expected.empty() || info->name() == expected);
    if (info.ok() && !same_model && member->up) {
      spdlog::error("a worker serves {} instead of {}; it gets no requests", info->name(), expected);
    }
    member->up = same_model;
    any = any || member->up;
  }
  return any;
}

}  // namespace basalt::gateway
