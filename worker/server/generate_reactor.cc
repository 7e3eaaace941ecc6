#include "worker/server/generate_reactor.h"

#include "spdlog/spdlog.h"
#include "worker/server/proto_convert.h"

namespace basalt::server {

// Bridges the engine's observer interface to the reactor; detached when the reactor is done.
class GenerateReactor::Observer final : public engine::OutputObserver {
 public:
  explicit Observer(GenerateReactor* reactor) : reactor_(reactor) {}
  void OnOutput(engine::RequestOutput output) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (reactor_ != nullptr) reactor_->Deliver(std::move(output));
  }
  void Detach() {
    std::lock_guard<std::mutex> lock(mu_);
    reactor_ = nullptr;
  }

 private:
  std::mutex mu_;
  GenerateReactor* reactor_;
};

GenerateReactor::GenerateReactor(engine::Engine& engine, std::string engine_request_id)
    : engine_(engine), request_id_(std::move(engine_request_id)) {
  observer_ = std::make_shared<Observer>(this);
  StartRead(&incoming_);
}

void GenerateReactor::OnReadDone(bool ok) {
  if (!ok) {
    // Half-close (or the client is gone, which OnCancel handles). Without a request there is nothing
    // to wait for.
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ && !finished_) {
      finished_ = true;
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the stream ended before a GenerateRequest"));
    }
    return;
  }
  if (incoming_.has_request()) {
    bool first;
    {
      std::lock_guard<std::mutex> lock(mu_);
      first = !started_;
      started_ = true;
    }
    if (!first) {
      spdlog::warn("request {}: ignoring a second GenerateRequest on the same stream", request_id_);
    } else {
      StartRequest();
    }
  } else if (incoming_.has_cancel()) {
    spdlog::info("request {}: cancelled by the client ({})", request_id_, incoming_.cancel().reason());
    CancelInEngine("client sent Cancel");
  }
  // Keep reading (for a Cancel), unless the stream already finished: no operation may follow Finish.
  std::lock_guard<std::mutex> lock(mu_);
  if (!finished_) StartRead(&incoming_);
}

void GenerateReactor::StartRequest() {
  engine::GenerationRequest request = FromProto(incoming_.request());
  const std::string client_id = request.request_id;
  request.request_id = request_id_;
  spdlog::debug("request {} (client id '{}') received", request_id_, client_id);
  absl::Status status = engine_.Submit(std::move(request), observer_);
  if (!status.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    engine_done_ = true;
    final_status_ = ToGrpcStatus(status);
    if (!writing_ && !finished_) {
      finished_ = true;
      Finish(final_status_);
    }
  }
}

void GenerateReactor::Deliver(engine::RequestOutput output) {
  std::lock_guard<std::mutex> lock(mu_);
  if (output.finished) {
    engine_done_ = true;
    final_status_ = ToGrpcStatus(output.status);
  }
  if (output.status.ok()) {
    basalt::v1::GenerateResponse response;
    ToProto(output, &response);
    outgoing_.push_back(std::move(response));
  }
  if (!writing_) WriteNextLocked();
}

void GenerateReactor::WriteNextLocked() {
  if (finished_) return;
  if (!outgoing_.empty()) {
    writing_ = true;
    StartWrite(&outgoing_.front());
    return;
  }
  writing_ = false;
  if (engine_done_) {
    finished_ = true;
    Finish(final_status_);
  }
}

void GenerateReactor::OnWriteDone(bool ok) {
  if (!ok) CancelInEngine("write failed: the client is gone");
  std::lock_guard<std::mutex> lock(mu_);
  outgoing_.pop_front();
  if (!ok) outgoing_.clear();  // nobody will read them; wait for the engine's final output
  WriteNextLocked();
}

void GenerateReactor::OnCancel() { CancelInEngine("the client went away"); }

void GenerateReactor::CancelInEngine(const char* why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancel_sent_ || engine_done_ || !started_) return;
    cancel_sent_ = true;
  }
  spdlog::debug("request {}: cancelling ({})", request_id_, why);
  engine_.Cancel(request_id_);
}

void GenerateReactor::OnDone() {
  observer_->Detach();
  delete this;
}

}  // namespace basalt::server
