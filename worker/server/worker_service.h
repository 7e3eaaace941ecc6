#pragma once
// The basalt.v1.Worker service over an engine (gRPC callback API: no thread per request).
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <string>

#include "basalt/v1/worker.grpc.pb.h"
#include "worker/engine/engine.h"

namespace basalt::server {

class WorkerService final : public basalt::v1::Worker::CallbackService {
 public:
  WorkerService(engine::Engine& engine, std::string version);

  grpc::ServerBidiReactor<basalt::v1::GenerateClientMessage, basalt::v1::GenerateResponse>* Generate(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Tokenize(grpc::CallbackServerContext* context, const basalt::v1::TokenizeRequest* request,
                                     basalt::v1::TokenizeResponse* response) override;
  grpc::ServerUnaryReactor* Detokenize(grpc::CallbackServerContext* context,
                                       const basalt::v1::DetokenizeRequest* request,
                                       basalt::v1::DetokenizeResponse* response) override;
  grpc::ServerUnaryReactor* ModelInfo(grpc::CallbackServerContext* context, const basalt::v1::ModelInfoRequest* request,
                                      basalt::v1::ModelInfoResponse* response) override;
  grpc::ServerUnaryReactor* GetTokenizer(grpc::CallbackServerContext* context,
                                         const basalt::v1::GetTokenizerRequest* request,
                                         basalt::v1::GetTokenizerResponse* response) override;

 private:
  engine::Engine& engine_;
  std::string version_;
  std::atomic<uint64_t> next_stream_{0};
};

}  // namespace basalt::server
