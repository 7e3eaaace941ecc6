// The gRPC worker client, the round-robin pool over several workers, and Generation's merging of
// concurrent streams, against real (fake) workers.
#include "gateway/worker_pool.h"

#include "absl/time/clock.h"
#include "gateway/generation.h"
#include "tests/gateway/fake_worker.h"
#include "tests/gateway/test_util.h"

namespace basalt::gateway {
namespace {

using basalt::testing::FakeWorker;
using basalt::testing::FakeWorkerOptions;

std::unique_ptr<FakeWorker> StartFake(absl::Duration delay = absl::ZeroDuration()) {
  FakeWorkerOptions options;
  options.model_dir = testing::TinyTokenizerDir();
  options.token_delay = delay;
  auto worker = FakeWorker::Start(options);
  EXPECT_TRUE(worker.ok()) << worker.status();
  return worker.ok() ? *std::move(worker) : nullptr;
}

v1::GenerateRequest Request(std::vector<int32_t> ids, uint32_t max_tokens) {
  v1::GenerateRequest request;
  request.mutable_token_ids()->mutable_ids()->Add(ids.begin(), ids.end());
  request.mutable_stopping()->set_max_tokens(max_tokens);
  return request;
}

// Runs a generation to its end; returns the status the streams ended with.
absl::Status RunToEnd(Generation& generation, std::vector<std::string>* texts = nullptr) {
  absl::Status result;
  while (auto event = generation.Next(absl::Seconds(5))) {
    if (event->response.has_value()) {
      for (const auto& update : event->response->choices()) {
        if (texts != nullptr) (*texts)[event->stream] += update.text();
      }
    } else if (!event->status.ok() && result.ok()) {
      result = event->status;
    }
  }
  EXPECT_TRUE(generation.done());
  return result;
}

std::unique_ptr<WorkerPool> PoolOf(const std::vector<FakeWorker*>& workers) {
  std::vector<std::unique_ptr<WorkerClient>> clients;
  for (FakeWorker* worker : workers) clients.push_back(NewGrpcWorkerClient(worker->address()));
  return std::make_unique<WorkerPool>(std::move(clients));
}

TEST(WorkerPool, RoundRobinOverHealthyWorkers) {
  auto a = StartFake();
  auto b = StartFake();
  auto pool = PoolOf({a.get(), b.get()});
  for (int i = 0; i < 4; ++i) {
    Generation generation(*pool, {Request({259, 265}, 2)});
    EXPECT_TRUE(RunToEnd(generation).ok());
  }
  EXPECT_EQ(a->requests().size(), 2u);
  EXPECT_EQ(b->requests().size(), 2u);
  auto info = pool->ModelInfo(absl::Seconds(2));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->name(), "tiny-test");
}

TEST(WorkerPool, SkipsAWorkerThatWentDown) {
  auto a = StartFake();
  auto b = StartFake();
  auto pool = PoolOf({a.get(), b.get()});
  EXPECT_TRUE(pool->Healthy(absl::Seconds(2)));
  a->Shutdown();
  // Until a probe or a failed call marks it down, a request may still go to the dead worker.
  int unavailable = 0;
  for (int i = 0; i < 4; ++i) {
    Generation generation(*pool, {Request({259}, 1)});
    absl::Status status = RunToEnd(generation);
    if (status.code() == absl::StatusCode::kUnavailable) ++unavailable;
  }
  EXPECT_LE(unavailable, 1);
  EXPECT_GE(b->requests().size(), 3u);
  EXPECT_TRUE(pool->Healthy(absl::Seconds(2)));
  b->Shutdown();
  EXPECT_FALSE(pool->Healthy(absl::Seconds(2)));
  Generation generation(*pool, {Request({259}, 1)});
  EXPECT_EQ(RunToEnd(generation).code(), absl::StatusCode::kUnavailable);
}

TEST(WorkerPool, LeavesOutAWorkerWithAnotherModel) {
  auto a = StartFake();
  FakeWorkerOptions other;
  other.model_dir = testing::TinyTokenizerDir();
  other.model_name = "another-model";
  auto b = FakeWorker::Start(other);
  ASSERT_TRUE(b.ok());
  auto pool = PoolOf({a.get(), b->get()});
  pool->ExpectModel("tiny-test");
  EXPECT_TRUE(pool->Healthy(absl::Seconds(2)));
  for (int i = 0; i < 4; ++i) {
    Generation generation(*pool, {Request({259}, 1)});
    EXPECT_TRUE(RunToEnd(generation).ok());
  }
  EXPECT_EQ(a->requests().size(), 4u);
  EXPECT_TRUE((*b)->requests().empty());
}

TEST(Generation, MergesConcurrentStreams) {
  auto worker = StartFake();
  auto client = NewGrpcWorkerClient(worker->address());
  // "hello" = 259, " world" = 265 in the tiny-test vocabulary.
  Generation generation(*client, {Request({259}, 3), Request({265}, 2), Request({259, 265}, 1)});
  EXPECT_EQ(generation.size(), 3u);
  ASSERT_TRUE(generation.AwaitStart().ok());
  std::vector<std::string> texts(3);
  EXPECT_TRUE(RunToEnd(generation, &texts).ok());
  EXPECT_EQ(texts, (std::vector<std::string>{"hellohellohello", " world world", "hello"}));
}

TEST(Generation, AwaitStartReportsAnEarlyError) {
  auto worker = StartFake();
  worker->SetQueueFull(true);
  auto client = NewGrpcWorkerClient(worker->address());
  Generation generation(*client, {Request({259}, 3)});
  absl::Status status = generation.AwaitStart();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(), "the worker's queue is full");
}

TEST(Generation, DestroyingARunningGenerationCancelsItsStreams) {
  auto worker = StartFake(absl::Milliseconds(20));
  auto client = NewGrpcWorkerClient(worker->address());
  {
    Generation generation(*client, {Request({259}, 200), Request({265}, 200)});
    ASSERT_TRUE(generation.AwaitStart().ok());
  }  // two streams of 4 s each, cut short
  EXPECT_TRUE(worker->WaitForCancel(absl::Seconds(1)));
  for (int i = 0; i < 100 && worker->active_streams() > 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(worker->active_streams(), 0);
  EXPECT_EQ(worker->cancel_messages(), 2);
}

TEST(Generation, ExplicitCancelEndsWithCancelled) {
  auto worker = StartFake(absl::Milliseconds(20));
  auto client = NewGrpcWorkerClient(worker->address());
  Generation generation(*client, {Request({259}, 200)});
  ASSERT_TRUE(generation.AwaitStart().ok());
  generation.Cancel("test");
  EXPECT_EQ(RunToEnd(generation).code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace basalt::gateway
