#include "worker/server/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include "absl/strings/str_cat.h"

namespace basalt::server {

absl::StatusOr<RunningServer> StartGrpcServer(engine::Engine& engine, const std::string& address) {
  RunningServer running;
  running.service = std::make_unique<WorkerService>(engine, kWorkerVersion);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &running.port);
  builder.RegisterService(running.service.get());
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(256 << 20);  // GetTokenizer carries whole tokenizer.json files
  running.server = builder.BuildAndStart();
  if (!running.server || running.port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
  }
  running.server->GetHealthCheckService()->SetServingStatus(true);
  return running;
}

}  // namespace basalt::server
