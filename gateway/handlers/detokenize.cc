// POST /detokenize (vLLM shapes): {"tokens": [ids]} -> {"prompt": "..."}.
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/handlers/prompts.h"
#include "gateway/openai/api_error.h"
#include "gateway/openai/completions_request.h"
#include "gateway/openai/field_reader.h"
#include "gateway/openai/response_common.h"

namespace basalt::gateway {
namespace {

absl::StatusOr<std::string> Detokenize(const HandlerContext& context, const HttpRequest& http) {
  BASALT_ASSIGN_OR_RETURN(rapidjson::Document body, ParseJsonBody(http));
  openai::FieldReader reader(body);
  std::optional<std::string> name = reader.String("model");
  const rapidjson::Value* tokens = reader.Array("tokens");
  if (reader.ok() && tokens == nullptr) reader.Fail(openai::MissingParameter("tokens"));
  BASALT_RETURN_IF_ERROR(reader.Finish());
  BASALT_ASSIGN_OR_RETURN(std::shared_ptr<const ServedModel> model, context.models->Resolve(name));
  // The same checks as a token-id prompt: integers inside the vocabulary.
  openai::Prompt prompt;
  if (!tokens->Empty()) {
    BASALT_ASSIGN_OR_RETURN(prompt.ids, openai::ReadTokenIds(*tokens, "tokens"));
    BASALT_ASSIGN_OR_RETURN(prompt.ids, PromptTokenIds(*model, prompt, "tokens"));
  }
  std::string text = model->tokenizer->Decode(prompt.ids, /*skip_special_tokens=*/false);

  rapidjson::StringBuffer buffer;
  openai::JsonWriter w(buffer);
  w.StartObject();
  w.Key("prompt");
  openai::WriteString(w, text);
  w.EndObject();
  return openai::Finish(buffer);
}

}  // namespace

HttpResponse HandleDetokenize(const HandlerContext& context, const HttpRequest& http) {
  absl::StatusOr<std::string> body = Detokenize(context, http);
  return body.ok() ? JsonResponse(*std::move(body)) : ErrorResponse(body.status());
}

}  // namespace basalt::gateway
