#pragma once
// Conversions between the public proto messages (basalt.v1) and the engine's plain C++ types, and the
// one place where absl::Status becomes grpc::Status. Torch-free (this library never sees torch headers).
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "basalt/v1/worker.pb.h"
#include "worker/engine/generation_types.h"

namespace basalt::server {

engine::GenerationRequest FromProto(const basalt::v1::GenerateRequest& request);

void ToProto(const engine::RequestOutput& output, basalt::v1::GenerateResponse* response);

basalt::v1::FinishReason ToProto(engine::FinishReason reason);

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace basalt::server
