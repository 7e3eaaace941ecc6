#pragma once
// Delivers RequestOutputs to their observers on a thread of its own, so that the engine loop never waits
// on what observers do (gRPC serialization and writes cost ~0.1 ms per output: at 128 streams, more than
// a GPU decode step). One thread keeps every request's outputs in order.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "worker/engine/generation_types.h"

namespace basalt::engine {

class OutputDispatcher {
 public:
  OutputDispatcher();
  ~OutputDispatcher();  // delivers what is queued, then stops

  void Post(std::shared_ptr<OutputObserver> observer, RequestOutput output);

 private:
  void Run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::shared_ptr<OutputObserver>, RequestOutput>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace basalt::engine
