// GET /v1/models and GET /v1/models/{id}
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/openai/response_common.h"

namespace basalt::gateway {
namespace {

// One model object; `max_model_len` is vLLM's extension, `has_chat_template` Basalt's: whether
// /v1/chat/completions can format messages for this model (the web playground enables its chat mode by it).
void WriteModel(openai::JsonWriter& w, const ServedModel& model, const std::string& name) {
  w.StartObject();
  w.Key("id");
  openai::WriteString(w, name);
  w.Key("object");
  w.String("model");
  w.Key("created");
  w.Int64(model.created);
  w.Key("owned_by");
  w.String("basalt");
  w.Key("root");
  openai::WriteString(w, model.info.name());
  w.Key("max_model_len");
  w.Uint(model.info.max_model_len());
  w.Key("has_chat_template");
  w.Bool(model.chat_template != nullptr);
  w.EndObject();
}

}  // namespace

HttpResponse HandleListModels(const HandlerContext& context, const HttpRequest&) {
  absl::StatusOr<std::shared_ptr<const ServedModel>> model = context.models->Resolve(std::nullopt);
  if (!model.ok()) return ErrorResponse(model.status());
  rapidjson::StringBuffer buffer;
  openai::JsonWriter w(buffer);
  w.StartObject();
  w.Key("object");
  w.String("list");
  w.Key("data");
  w.StartArray();
  for (const std::string& name : (*model)->names) WriteModel(w, **model, name);
  w.EndArray();
  w.EndObject();
  return JsonResponse(openai::Finish(buffer));
}

HttpResponse HandleGetModel(const HandlerContext& context, const HttpRequest& request) {
  const std::string id = request.path_params.empty() ? std::string() : request.path_params[0];
  absl::StatusOr<std::shared_ptr<const ServedModel>> model = context.models->Resolve(id);
  if (!model.ok()) return ErrorResponse(model.status());
  rapidjson::StringBuffer buffer;
  openai::JsonWriter w(buffer);
  WriteModel(w, **model, id);
  return JsonResponse(openai::Finish(buffer));
}

}  // namespace basalt::gateway
