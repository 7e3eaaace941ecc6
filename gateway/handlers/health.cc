// GET /health and GET /version
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/openai/response_common.h"

namespace basalt::gateway {
namespace {

constexpr absl::Duration kHealthProbeTimeout = absl::Seconds(1);

}  // namespace

// 200 only when a worker answers now and the model is loaded.
HttpResponse HandleHealth(const HandlerContext& context, const HttpRequest&) {
  if (context.models->Get() == nullptr) {
    return ErrorResponse(absl::UnavailableError("The gateway has not reached its worker yet."));
  }
  if (!context.worker->Healthy(kHealthProbeTimeout)) {
    return ErrorResponse(absl::UnavailableError("No worker answers."));
  }
  return JsonResponse(R"({"status":"ok"})");
}

HttpResponse HandleVersion(const HandlerContext& context, const HttpRequest&) {
  rapidjson::StringBuffer buffer;
  openai::JsonWriter w(buffer);
  w.StartObject();
  w.Key("version");
  openai::WriteString(w, context.version);
  if (std::shared_ptr<const ServedModel> model = context.models->Get()) {
    w.Key("worker_version");
    openai::WriteString(w, model->info.worker_version());
  }
  w.EndObject();
  return JsonResponse(openai::Finish(buffer));
}

}  // namespace basalt::gateway
