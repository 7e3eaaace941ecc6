#include "bench/load/grpc_client.h"

#include "basalt/v1/worker.grpc.pb.h"

namespace basalt::bench {

RequestTrace RunGrpcRequest(const std::shared_ptr<grpc::Channel>& channel, const WorkItem& item) {
  RequestTrace trace;
  auto stub = basalt::v1::Worker::NewStub(channel);
  grpc::ClientContext context;
  basalt::v1::GenerateClientMessage msg;
  auto* r = msg.mutable_request();
  r->set_request_id("bench");
  r->mutable_token_ids()->mutable_ids()->Add(item.prompt.begin(), item.prompt.end());
  r->mutable_sampling()->set_temperature(0);
  r->mutable_stopping()->set_max_tokens(item.max_tokens);
  r->mutable_stopping()->set_ignore_eos(true);
  trace.start = Clock::now();
  auto stream = stub->Generate(&context);
  if (!stream->Write(msg)) {
    trace.error = "write failed";
    return trace;
  }
  stream->WritesDone();
  basalt::v1::GenerateResponse response;
  while (stream->Read(&response)) {
    const auto now = Clock::now();
    for (const auto& choice : response.choices()) {
      for (int i = 0; i < choice.tokens_size(); ++i) trace.token_times.push_back(now);
      trace.output_tokens += choice.tokens_size();
    }
  }
  grpc::Status status = stream->Finish();
  if (!status.ok()) trace.error = status.error_message();
  return trace;
}

}  // namespace basalt::bench
