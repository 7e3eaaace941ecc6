#include "gateway/worker_client.h"

#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "basalt/v1/worker.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"

namespace basalt::gateway {
namespace {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

// How long a cancelled stream may take to end by itself before the call is torn down.
constexpr absl::Duration kCancelGrace = absl::Seconds(2);

// One Generate stream, on gRPC's callback API: the first write is the request; a Cancel is a second
// write; reads run until the worker ends the stream. The client never half-closes, so that a Cancel
// can still be sent.
class GrpcGenerateCall final
    : public GenerateCall,
      public grpc::ClientBidiReactor<v1::GenerateClientMessage, v1::GenerateResponse> {
 public:
  GrpcGenerateCall(v1::Worker::Stub* stub, const v1::GenerateRequest& request, GenerateCallbacks callbacks)
      : callbacks_(std::move(callbacks)) {
    *request_message_.mutable_request() = request;
    stub->async()->Generate(&context_, this);
    write_in_flight_ = true;
    StartWrite(&request_message_);
    StartRead(&response_);
    StartCall();
  }

  ~GrpcGenerateCall() override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!done_) {
      SendCancelLocked("request ended");
      if (!done_cv_.wait_for(lock, absl::ToChronoSeconds(kCancelGrace), [&] { return done_; })) {
        context_.TryCancel();
        done_cv_.wait(lock, [&] { return done_; });
      }
    }
  }

  void Cancel(const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    SendCancelLocked(reason);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    write_in_flight_ = false;
    if (ok && cancel_pending_) {
      cancel_pending_ = false;
      write_in_flight_ = true;
      StartWrite(&cancel_message_);
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream is ending; OnDone follows
    callbacks_.on_response(std::move(response_));
    response_.Clear();
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    {
      // From here on no operation may be started: a Cancel racing with the end of the stream (the
      // consumer may see on_done's event and end the request right away) must not StartWrite.
      std::lock_guard<std::mutex> lock(mu_);
      ending_ = true;
    }
    callbacks_.on_done(FromGrpcStatus(status));
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    done_cv_.notify_all();
  }

 private:
  void SendCancelLocked(const std::string& reason) {
    if (ending_ || done_ || cancel_requested_) return;
    cancel_requested_ = true;
    cancel_message_.mutable_cancel()->set_reason(reason);
    // One write in flight at a time: the request may still be on its way.
    if (write_in_flight_) {
      cancel_pending_ = true;
    } else {
      write_in_flight_ = true;
      StartWrite(&cancel_message_);
    }
  }

  GenerateCallbacks callbacks_;
  grpc::ClientContext context_;
  v1::GenerateClientMessage request_message_;
  v1::GenerateClientMessage cancel_message_;
  v1::GenerateResponse response_;

  std::mutex mu_;
  std::condition_variable done_cv_;
  bool ending_ = false;  // OnDone has begun
  bool done_ = false;    // OnDone has returned from on_done; the object may go
  bool write_in_flight_ = false;
  bool cancel_pending_ = false;
  bool cancel_requested_ = false;
};

class GrpcWorkerClient final : public WorkerClient {
 public:
  explicit GrpcWorkerClient(const std::string& target) : target_(target) {
    grpc::ChannelArguments args;
    // tokenizer.json of real models is several MB, above gRPC's 4 MB default.
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    // Notice a dead worker connection on an idle channel.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
    // Reconnect to a restarted worker within seconds (gRPC's default backoff grows to two minutes).
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 500);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
    channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    stub_ = v1::Worker::NewStub(channel_);
  }

  absl::StatusOr<v1::ModelInfoResponse> ModelInfo(absl::Duration timeout) override {
    return Unary<v1::ModelInfoResponse>(&v1::Worker::Stub::ModelInfo, v1::ModelInfoRequest(), timeout);
  }

  absl::StatusOr<v1::GetTokenizerResponse> GetTokenizer(absl::Duration timeout) override {
    return Unary<v1::GetTokenizerResponse>(&v1::Worker::Stub::GetTokenizer, v1::GetTokenizerRequest(), timeout);
  }

  std::unique_ptr<GenerateCall> Generate(const v1::GenerateRequest& request, GenerateCallbacks callbacks) override {
    return std::make_unique<GrpcGenerateCall>(stub_.get(), request, std::move(callbacks));
  }

  bool Healthy(absl::Duration timeout) override { return ModelInfo(timeout).ok(); }

 private:
  // A unary call with a deadline; errors name the worker.
  template <typename Response, typename Request, typename Method>
  absl::StatusOr<Response> Unary(Method method, const Request& request, absl::Duration timeout) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
    Response response;
    grpc::Status status = (stub_.get()->*method)(&context, request, &response);
    if (!status.ok()) return Annotate(FromGrpcStatus(status));
    return response;
  }

  absl::Status Annotate(const absl::Status& status) {
    return absl::Status(status.code(), absl::StrCat("worker ", target_, ": ", status.message()));
  }

  std::string target_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Worker::Stub> stub_;
};

}  // namespace

std::unique_ptr<WorkerClient> NewGrpcWorkerClient(const std::string& target) {
  return std::make_unique<GrpcWorkerClient>(target);
}

}  // namespace basalt::gateway
