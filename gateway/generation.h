#pragma once
// Runs the worker Generate streams of one HTTP request (one per prompt of a batch) concurrently and
// merges their messages into one queue that the request's thread consumes.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "basalt/v1/worker.pb.h"
#include "gateway/worker_client.h"

namespace basalt::gateway {

class Generation {
 public:
  struct Event {
    size_t stream = 0;                             // index of the request in the constructor's list
    std::optional<v1::GenerateResponse> response;  // a message; or, when empty, the end of the stream
    absl::Status status;                           // with the end: how the stream ended
  };

  // Starts all streams.
  Generation(WorkerClient& worker, const std::vector<v1::GenerateRequest>& requests);
  // Cancels the streams that still run and waits for them to end.
  ~Generation();
  Generation(const Generation&) = delete;
  Generation& operator=(const Generation&) = delete;

  // Waits until every stream has sent its first message or ended. Returns the first error a stream
  // ended with before sending any message (the caller then answers with that error instead of a
  // stream). Events stay queued.
  absl::Status AwaitStart();

  // The next event, waiting up to `timeout`. nullopt on timeout, or when every stream has ended and all
  // events were taken (then done() is true).
  std::optional<Event> Next(absl::Duration timeout);
  bool done();

  // Asks every running stream to stop.
  void Cancel(const std::string& reason);

  size_t size() const { return calls_.size(); }

 private:
  void Push(Event event);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> queue_;
  std::vector<bool> started_;  // stream sent a message or ended
  size_t ended_ = 0;
  absl::Status start_error_;  // of a stream that ended with an error as its first event
  // Declared last: destroyed first, so that no callback runs into a destroyed queue.
  std::vector<std::unique_ptr<GenerateCall>> calls_;
};

}  // namespace basalt::gateway
