// POST /tokenize (vLLM shapes): {"prompt": "..."} or chat {"messages": [...]} ->
// {"count", "max_model_len", "tokens", "token_strs"}.
#include "gateway/chat_prompt.h"
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/openai/api_error.h"
#include "gateway/openai/chat_request.h"
#include "gateway/openai/field_reader.h"
#include "gateway/openai/response_common.h"

namespace basalt::gateway {

HttpResponse HandleTokenize(const HandlerContext& context, const HttpRequest& http) {
  absl::StatusOr<rapidjson::Document> body = ParseJsonBody(http);
  if (!body.ok()) return ErrorResponse(body.status());
  absl::StatusOr<std::shared_ptr<const ServedModel>> model = context.models->GetOrUnavailable();
  if (!model.ok()) return ErrorResponse(model.status());

  openai::FieldReader reader(*body);
  std::optional<std::string> name = reader.String("model");
  const bool chat = body->HasMember("messages");
  std::optional<std::string> prompt;
  openai::ChatPromptRequest chat_request;
  if (chat) {
    openai::ReadChatPromptFields(reader, &chat_request);
  } else {
    prompt = reader.String("prompt");
    if (reader.ok() && !prompt.has_value()) reader.Fail(openai::MissingParameter("prompt"));
  }
  // Chat prompts already contain the template's special tokens.
  const bool add_special_tokens = reader.Bool("add_special_tokens").value_or(!chat);
  const bool return_token_strs = reader.Bool("return_token_strs").value_or(false);
  if (absl::Status status = reader.Finish(); !status.ok()) return ErrorResponse(status);
  if (name.has_value()) {
    if (absl::Status status = (*model)->CheckModel(*name); !status.ok()) return ErrorResponse(status);
  }
  if (chat) {
    absl::StatusOr<std::string> rendered = RenderChatPrompt(**model, chat_request);
    if (!rendered.ok()) return ErrorResponse(rendered.status());
    prompt = *std::move(rendered);
  }
  absl::StatusOr<tokenizer::Encoding> encoding = (*model)->tokenizer->Encode(*prompt, add_special_tokens);
  if (!encoding.ok()) return ErrorResponse(openai::InvalidRequest("prompt", encoding.status().message()));

  rapidjson::StringBuffer buffer;
  openai::JsonWriter w(buffer);
  w.StartObject();
  w.Key("count");
  w.Uint64(encoding->ids.size());
  w.Key("max_model_len");
  w.Uint((*model)->info.max_model_len());
  w.Key("tokens");
  w.StartArray();
  for (int32_t id : encoding->ids) w.Int(id);
  w.EndArray();
  w.Key("token_strs");
  if (return_token_strs) {
    w.StartArray();
    for (const std::string& token : encoding->tokens) openai::WriteString(w, token);
    w.EndArray();
  } else {
    w.Null();
  }
  w.EndObject();
  return JsonResponse(openai::Finish(buffer));
}

}  // namespace basalt::gateway
