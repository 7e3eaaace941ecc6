// Generation's start rules with every callback ordering fixed by the test: a scripted WorkerClient hands
// the streams' callbacks to the test, which plays the worker's messages exactly when it wants (the gRPC
// client would call them on its own threads, at times a test cannot choose).
#include "gateway/generation.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/synchronization/notification.h"

namespace basalt::gateway {
namespace {

class ScriptedCall final : public GenerateCall {
 public:
  void Cancel(const std::string&) override {}
};

class ScriptedWorker final : public WorkerClient {
 public:
  absl::StatusOr<v1::ModelInfoResponse> ModelInfo(absl::Duration) override { return v1::ModelInfoResponse(); }
  absl::StatusOr<v1::GetTokenizerResponse> GetTokenizer(absl::Duration) override {
    return v1::GetTokenizerResponse();
  }
  std::unique_ptr<GenerateCall> Generate(const v1::GenerateRequest&, GenerateCallbacks callbacks) override {
    streams.push_back(std::move(callbacks));
    return std::make_unique<ScriptedCall>();
  }
  bool Healthy(absl::Duration) override { return true; }

  // The stream's next message: one choice update with `text`.
  void Send(size_t stream, const std::string& text) {
    v1::GenerateResponse response;
    response.add_choices()->set_text(text);
    streams[stream].on_response(std::move(response));
  }
  void End(size_t stream, absl::Status status) { streams[stream].on_done(std::move(status)); }

  std::vector<GenerateCallbacks> streams;
};

std::vector<v1::GenerateRequest> Requests(size_t n) { return std::vector<v1::GenerateRequest>(n); }

TEST(GenerationStart, AStreamThatFailsBeforeAnyMessageFailsTheStart) {
  ScriptedWorker worker;
  Generation generation(worker, Requests(1));
  worker.End(0, absl::InvalidArgumentError("prompt: empty"));
  EXPECT_EQ(generation.AwaitStart(), absl::InvalidArgumentError("prompt: empty"));
}

// The race the rule is for: the stream sent its first message and then failed, all before the handler
// looked. The failure belongs to a stream that started, so it is relayed after the message, not turned
// into an error response that would drop the message.
TEST(GenerationStart, AFailureAfterTheFirstMessageIsRelayedHoweverLateTheHandlerLooks) {
  ScriptedWorker worker;
  Generation generation(worker, Requests(1));
  worker.Send(0, "Hello");
  worker.End(0, absl::InternalError("device lost"));
  EXPECT_TRUE(generation.AwaitStart().ok());
  auto first = generation.Next(absl::Seconds(1));
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->response.has_value());
  EXPECT_EQ(first->response->choices(0).text(), "Hello");
  auto second = generation.Next(absl::Seconds(1));
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(second->response.has_value());
  EXPECT_EQ(second->status, absl::InternalError("device lost"));
  EXPECT_FALSE(generation.Next(absl::Milliseconds(10)).has_value());
  EXPECT_TRUE(generation.done());
}

TEST(GenerationStart, OneFailingPromptOfABatchFailsTheStartEvenIfAnotherStarted) {
  ScriptedWorker worker;
  Generation generation(worker, Requests(2));
  worker.Send(0, "a");
  worker.End(1, absl::ResourceExhaustedError("the worker's queue is full"));
  EXPECT_EQ(generation.AwaitStart(), absl::ResourceExhaustedError("the worker's queue is full"));
}

TEST(GenerationStart, ALaterFailureOfAnotherStreamDoesNotReplaceTheFirstStartError) {
  ScriptedWorker worker;
  Generation generation(worker, Requests(3));
  worker.End(2, absl::InvalidArgumentError("first"));
  worker.Send(0, "a");
  worker.End(0, absl::InternalError("after a message"));
  worker.End(1, absl::InvalidArgumentError("second"));
  EXPECT_EQ(generation.AwaitStart(), absl::InvalidArgumentError("first"));
}

TEST(GenerationStart, TheStartWaitsForEveryStream) {
  ScriptedWorker worker;
  Generation generation(worker, Requests(2));
  worker.Send(0, "a");
  absl::Notification returned;
  std::thread handler([&] {
    EXPECT_TRUE(generation.AwaitStart().ok());
    returned.Notify();
  });
  EXPECT_FALSE(returned.WaitForNotificationWithTimeout(absl::Milliseconds(50)));  // stream 1 is silent
  worker.Send(1, "b");
  EXPECT_TRUE(returned.WaitForNotificationWithTimeout(absl::Seconds(5)));
  handler.join();
}

}  // namespace
}  // namespace basalt::gateway
