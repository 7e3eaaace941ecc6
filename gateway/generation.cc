#include "gateway/generation.h"

#include <algorithm>

namespace basalt::gateway {

Generation::Generation(WorkerClient& worker, const std::vector<v1::GenerateRequest>& requests)
    : started_(requests.size(), false) {
  calls_.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    GenerateCallbacks callbacks;
    callbacks.on_response = [this, i](v1::GenerateResponse response) {
      Push(Event{i, std::move(response), absl::OkStatus()});
    };
    callbacks.on_done = [this, i](absl::Status status) { Push(Event{i, std::nullopt, std::move(status)}); };
    calls_.push_back(worker.Generate(requests[i], std::move(callbacks)));
  }
}

Generation::~Generation() {
  Cancel("request finished or client disconnected");
  calls_.clear();  // each call waits for its stream to end
}

void Generation::Push(Event event) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool first_event = !started_[event.stream];
  started_[event.stream] = true;
  if (!event.response.has_value()) {
    ++ended_;
    // Only a stream that failed before sending anything fails the start: one that failed after its first
    // messages is relayed (its tokens, then an error event), however late the handler looks.
    if (!event.status.ok() && first_event && start_error_.ok()) start_error_ = event.status;
  }
  queue_.push_back(std::move(event));
  cv_.notify_all();
}

absl::Status Generation::AwaitStart() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    if (!start_error_.ok()) return true;
    for (bool started : started_) {
      if (!started) return false;
    }
    return true;
  });
  return start_error_;
}

std::optional<Generation::Event> Generation::Next(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  // Clamped: an infinite duration would overflow the clock arithmetic of wait_for.
  timeout = std::min(timeout, absl::Hours(1));
  cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
               [&] { return !queue_.empty() || ended_ == started_.size(); });
  if (queue_.empty()) return std::nullopt;
  Event event = std::move(queue_.front());
  queue_.pop_front();
  return event;
}

bool Generation::done() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty() && ended_ == started_.size();
}

void Generation::Cancel(const std::string& reason) {
  // Calls outlive this method; a call that already ended ignores the cancel.
  for (auto& call : calls_) call->Cancel(reason);
}

}  // namespace basalt::gateway
