#pragma once
// Builds and starts the worker's gRPC server: basalt.v1.Worker, grpc.health.v1.Health (SERVING once
// started) and server reflection. Shared by basalt-worker and the tests.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "worker/engine/engine.h"
#include "worker/server/worker_service.h"

namespace basalt::server {

struct RunningServer {
  std::unique_ptr<WorkerService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

inline constexpr const char* kWorkerVersion = "0.1.0";

// `address` like "0.0.0.0:50051" or "127.0.0.1:0" (0 picks a free port).
absl::StatusOr<RunningServer> StartGrpcServer(engine::Engine& engine, const std::string& address);

}  // namespace basalt::server
