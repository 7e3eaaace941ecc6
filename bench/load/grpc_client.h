#pragma once
// Runs one generation straight against a worker over gRPC (the bidirectional Generate stream).
#include <grpcpp/grpcpp.h>

#include <memory>

#include "bench/load/trace.h"

namespace basalt::bench {

RequestTrace RunGrpcRequest(const std::shared_ptr<grpc::Channel>& channel, const WorkItem& item);

}  // namespace basalt::bench
