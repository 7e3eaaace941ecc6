#pragma once
// One Generate stream (gRPC callback API). Reads the request, submits it to the engine, and writes the
// engine's outputs back one write at a time; a Cancel message or the client going away cancels the
// request in the engine. The reactor finishes only after the engine's final output, so the engine never
// calls into a finished stream.
#include <grpcpp/grpcpp.h>

#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "basalt/v1/worker.grpc.pb.h"
#include "worker/engine/engine.h"

namespace basalt::server {

class GenerateReactor final
    : public grpc::ServerBidiReactor<basalt::v1::GenerateClientMessage, basalt::v1::GenerateResponse> {
 public:
  GenerateReactor(engine::Engine& engine, std::string engine_request_id);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  // Called by the engine's thread (through the observer): queue and, if idle, start writing.
  void Deliver(engine::RequestOutput output);

 private:
  class Observer;
  void StartRequest();
  void WriteNextLocked();
  void CancelInEngine(const char* why);

  engine::Engine& engine_;
  const std::string request_id_;  // unique in the engine
  basalt::v1::GenerateClientMessage incoming_;
  std::shared_ptr<Observer> observer_;

  std::mutex mu_;
  std::deque<basalt::v1::GenerateResponse> outgoing_;
  bool writing_ = false;
  bool started_ = false;
  bool engine_done_ = false;  // the engine sent its final output
  bool finished_ = false;     // Finish was called
  bool cancel_sent_ = false;
  grpc::Status final_status_;
};

}  // namespace basalt::server
