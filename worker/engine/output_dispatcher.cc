#include "worker/engine/output_dispatcher.h"

namespace basalt::engine {

OutputDispatcher::OutputDispatcher() : thread_([this] { Run(); }) {}

OutputDispatcher::~OutputDispatcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void OutputDispatcher::Post(std::shared_ptr<OutputObserver> observer, RequestOutput output) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.emplace_back(std::move(observer), std::move(output));
  }
  cv_.notify_one();
}

void OutputDispatcher::Run() {
  std::deque<std::pair<std::shared_ptr<OutputObserver>, RequestOutput>> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      batch.swap(queue_);
    }
    for (auto& [observer, output] : batch) observer->OnOutput(std::move(output));
    batch.clear();
  }
}

}  // namespace basalt::engine
