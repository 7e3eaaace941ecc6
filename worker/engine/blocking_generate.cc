#include "worker/engine/blocking_generate.h"

#include <condition_variable>
#include <mutex>

namespace basalt::engine {
namespace {

class Collector final : public OutputObserver {
 public:
  void OnOutput(RequestOutput output) override {
    std::lock_guard<std::mutex> lock(mu_);
    Accumulate(output, &result_);
    if (output.finished) {
      status_ = output.status;
      done_ = true;
      cv_.notify_all();
    }
  }
  absl::StatusOr<CompletedRequest> Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_; });
    if (!status_.ok()) return status_;
    return std::move(result_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  absl::Status status_;
  CompletedRequest result_;
};

}  // namespace

void Accumulate(const RequestOutput& output, CompletedRequest* completed) {
  ++completed->num_outputs;
  if (output.prompt) completed->prompt = output.prompt;
  for (const ChoiceDelta& delta : output.choices) {
    if (delta.index >= static_cast<int>(completed->choices.size())) completed->choices.resize(delta.index + 1);
    CompletedChoice& choice = completed->choices[delta.index];
    choice.text += delta.text;
    choice.tokens.insert(choice.tokens.end(), delta.tokens.begin(), delta.tokens.end());
    if (delta.finish_reason != FinishReason::kNone) {
      choice.finish_reason = delta.finish_reason;
      choice.stop_string = delta.stop_string;
      choice.cumulative_logprob = delta.cumulative_logprob;
    }
  }
  if (output.finished) {
    completed->usage = output.usage;
    completed->timings = output.timings;
  }
}

absl::StatusOr<CompletedRequest> GenerateBlocking(Engine& engine, GenerationRequest request) {
  auto collector = std::make_shared<Collector>();
  absl::Status submitted = engine.Submit(std::move(request), collector);
  if (!submitted.ok()) return submitted;
  return collector->Wait();
}

}  // namespace basalt::engine
