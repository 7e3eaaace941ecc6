// POST /tokenize (vLLM shapes): {"prompt": "..."} or chat {"messages": [...]} ->
// {"count", "max_model_len", "tokens", "token_strs"}.
#include "common/status/status_macros.h"
#include "gateway/chat_prompt.h"
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/openai/api_error.h"
#include "gateway/openai/chat_request.h"
#include "gateway/openai/field_reader.h"
#include "gateway/openai/response_common.h"

namespace basalt::gateway {
namespace {

absl::StatusOr<std::string> Tokenize(const HandlerContext& context, const HttpRequest& http) {
  BASALT_ASSIGN_OR_RETURN(rapidjson::Document body, ParseJsonBody(http));
  openai::FieldReader reader(body);
  std::optional<std::string> name = reader.String("model");
  const bool chat = body.HasMember("messages");
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
  BASALT_RETURN_IF_ERROR(reader.Finish());
  BASALT_ASSIGN_OR_RETURN(std::shared_ptr<const ServedModel> model, context.models->Resolve(name));
  if (chat) {
    BASALT_ASSIGN_OR_RETURN(prompt, RenderChatPrompt(*model, chat_request));
  }
  absl::StatusOr<tokenizer::Encoding> encoding = model->tokenizer->Encode(*prompt, add_special_tokens);
  if (!encoding.ok()) return openai::InvalidRequest("prompt", encoding.status().message());

  rapidjson::StringBuffer buffer;
  openai::JsonWriter w(buffer);
  w.StartObject();
  w.Key("count");
  w.Uint64(encoding->ids.size());
  w.Key("max_model_len");
  w.Uint(model->info.max_model_len());
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
  return openai::Finish(buffer);
}

}  // namespace

HttpResponse HandleTokenize(const HandlerContext& context, const HttpRequest& http) {
  absl::StatusOr<std::string> body = Tokenize(context, http);
  return body.ok() ? JsonResponse(*std::move(body)) : ErrorResponse(body.status());
}

}  // namespace basalt::gateway
