#pragma once
// The endpoint handlers (one file each) and what they share.
#include <string>

#include "absl/time/time.h"
#include "gateway/http_server.h"
#include "gateway/openai/limits.h"
#include "gateway/served_model.h"
#include "gateway/worker_client.h"

namespace basalt::gateway {

struct HandlerContext {
  WorkerClient* worker = nullptr;
  ModelRegistry* models = nullptr;
  openai::Limits limits;
  // A stream that has sent nothing for this long gets an SSE comment, which keeps proxies from closing
  // it and reveals a client that went away (so its generation is cancelled).
  absl::Duration stream_heartbeat = absl::Seconds(2);
  std::string version;
};

HttpResponse HandleCompletions(const HandlerContext& context, const HttpRequest& request);
HttpResponse HandleChatCompletions(const HandlerContext& context, const HttpRequest& request);
HttpResponse HandleListModels(const HandlerContext& context, const HttpRequest& request);
HttpResponse HandleGetModel(const HandlerContext& context, const HttpRequest& request);
HttpResponse HandleTokenize(const HandlerContext& context, const HttpRequest& request);
HttpResponse HandleDetokenize(const HandlerContext& context, const HttpRequest& request);
HttpResponse HandleHealth(const HandlerContext& context, const HttpRequest& request);
HttpResponse HandleVersion(const HandlerContext& context, const HttpRequest& request);

}  // namespace basalt::gateway
