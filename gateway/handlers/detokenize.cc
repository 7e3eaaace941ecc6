// POST /detokenize (vLLM shapes): {"tokens": [ids]} -> {"prompt": "..."}.
#include "absl/strings/str_cat.h"
#include "gateway/handlers/handlers.h"
#include "gateway/handlers/http_json.h"
#include "gateway/handlers/prompts.h"
#include "gateway/openai/api_error.h"
#include "gateway/openai/field_reader.h"
#include "gateway/openai/response_common.h"

namespace basalt::gateway {

HttpResponse HandleDetokenize(const HandlerContext& context, const HttpRequest& http) {
  absl::StatusOr<rapidjson::Document> body = ParseJsonBody(http);
  if (!body.ok()) return ErrorResponse(body.status());
  absl::StatusOr<std::shared_ptr<const ServedModel>> model = context.models->GetOrUnavailable();
  if (!model.ok()) return ErrorResponse(model.status());

  openai::FieldReader reader(*body);
  std::optional<std::string> name = reader.String("model");
  const rapidjson::Value* tokens = reader.Require("tokens");
  if (tokens != nullptr && !tokens->IsArray()) {
    reader.Fail(openai::InvalidType("tokens", "an array", openai::DescribeType(*tokens)));
  }
  if (absl::Status status = reader.Finish(); !status.ok()) return ErrorResponse(status);
  if (name.has_value()) {
    if (absl::Status status = (*model)->CheckModel(*name); !status.ok()) return ErrorResponse(status);
  }
  const uint32_t vocab = VocabSize(**model);
  std::vector<int32_t> ids;
  for (rapidjson::SizeType i = 0; i < tokens->Size(); ++i) {
    int64_t id = 0;
    if (!(*tokens)[i].IsNumber() || !openai::ReadInteger((*tokens)[i], &id)) {
      return ErrorResponse(openai::InvalidType(absl::StrCat("tokens[", i, "]"), "an integer",
                                               openai::DescribeType((*tokens)[i])));
    }
    if (id < 0 || id >= vocab) {
      return ErrorResponse(openai::InvalidRequest(
          "tokens", absl::StrCat("Token id ", id, " is outside the vocabulary (size ", vocab, ").")));
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  std::string text = (*model)->tokenizer->Decode(ids, /*skip_special_tokens=*/false);

  rapidjson::StringBuffer buffer;
  openai::JsonWriter w(buffer);
  w.StartObject();
  w.Key("prompt");
  openai::WriteString(w, text);
  w.EndObject();
  return JsonResponse(openai::Finish(buffer));
}

}  // namespace basalt::gateway
