#include "gateway/openai/completions_request.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "gateway/openai/api_error.h"
#include "gateway/openai/field_reader.h"

namespace basalt::gateway::openai {
namespace {

constexpr int64_t kDefaultMaxTokens = 16;

}  // namespace

absl::StatusOr<std::vector<int32_t>> ReadTokenIds(const rapidjson::Value& array, absl::string_view param) {
  std::vector<int32_t> ids;
  ids.reserve(array.Size());
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    int64_t id = 0;
    if (!array[i].IsNumber() || !ReadInteger(array[i], &id)) {
      return InvalidType(absl::StrCat(param, "[", i, "]"), "an integer", DescribeType(array[i]));
    }
    if (id < 0 || id > std::numeric_limits<int32_t>::max()) {
      return InvalidRequest(param, absl::StrCat("Invalid token id ", id, " in '", param, "'."));
    }
    ids.push_back(static_cast<int32_t>(id));
  }
  if (ids.empty()) return InvalidRequest(param, absl::StrCat("'", param, "' must not be an empty list of tokens."));
  return ids;
}

absl::StatusOr<std::vector<Prompt>> ReadPrompts(const rapidjson::Value& value, absl::string_view param) {
  std::vector<Prompt> prompts;
  if (value.IsString()) {
    prompts.push_back(Prompt{std::string(value.GetString(), value.GetStringLength()), {}});
    return prompts;
  }
  constexpr absl::string_view kForms =
      "a string, an array of strings, an array of tokens or an array of token arrays";
  if (!value.IsArray()) return InvalidType(param, kForms, DescribeType(value));
  if (value.Empty()) return InvalidRequest(param, absl::StrCat("'", param, "' must not be an empty array."));
  if (value[0].IsNumber()) {
    absl::StatusOr<std::vector<int32_t>> ids = ReadTokenIds(value, param);
    if (!ids.ok()) return ids.status();
    prompts.push_back(Prompt{std::nullopt, *std::move(ids)});
    return prompts;
  }
  // A batch: all strings or all token arrays.
  const bool strings = value[0].IsString();
  for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    const rapidjson::Value& item = value[i];
    std::string item_param = absl::StrCat(param, "[", i, "]");
    if (strings && item.IsString()) {
      prompts.push_back(Prompt{std::string(item.GetString(), item.GetStringLength()), {}});
    } else if (!strings && item.IsArray()) {
      absl::StatusOr<std::vector<int32_t>> ids = ReadTokenIds(item, item_param);
      if (!ids.ok()) return ids.status();
      prompts.push_back(Prompt{std::nullopt, *std::move(ids)});
    } else {
      return InvalidType(item_param, strings ? "a string" : "an array of tokens", DescribeType(item));
    }
  }
  return prompts;
}

absl::StatusOr<CompletionsRequest> ParseCompletionsRequest(const rapidjson::Value& body, const Limits& limits) {
  if (!body.IsObject()) return InvalidRequest("", "The request body must be a JSON object.");
  CompletionsRequest request;
  FieldReader reader(body);
  if (const rapidjson::Value* model = reader.Require("model")) {
    if (!model->IsString()) return InvalidType("model", "a string", DescribeType(*model));
    request.model.assign(model->GetString(), model->GetStringLength());
  }
  if (const rapidjson::Value* prompt = reader.Require("prompt")) {
    absl::StatusOr<std::vector<Prompt>> prompts = ReadPrompts(*prompt, "prompt");
    if (!prompts.ok()) return prompts.status();
    request.prompts = *std::move(prompts);
    if (static_cast<int64_t>(request.prompts.size()) > limits.max_batch) {
      return InvalidRequest("prompt", absl::StrCat("At most ", limits.max_batch, " prompts are allowed in one "
                                                   "request (COMPLETION_MAX_BATCH), but got ",
                                                   request.prompts.size(), "."));
    }
  }
  // Completions take max_tokens 0 (with echo: the prompt's logprobs, no completion), as OpenAI's legacy
  // endpoint does; chat needs at least 1.
  request.sampling = ReadSamplingRequest(reader, limits, {"max_tokens"}, /*min_max_tokens=*/0);
  // OpenAI's default for completions is 16; an explicit null means "up to the context length".
  if (!request.sampling.max_tokens.has_value() && !body.HasMember("max_tokens")) {
    request.sampling.max_tokens = std::min<int64_t>(kDefaultMaxTokens, limits.max_tokens);
  }
  request.best_of = reader.Int("best_of", 1, limits.max_n).value_or(0);
  request.logprobs = reader.Int("logprobs", 0, limits.max_logprobs);
  request.echo = reader.Bool("echo").value_or(false);
  if (std::optional<std::string> suffix = reader.String("suffix"); suffix && !suffix->empty()) {
    reader.Fail(InvalidRequest("suffix", "'suffix' is not supported: the served model has no fill-in-the-middle "
                                         "support in Basalt."));
  }
  absl::Status status = reader.Finish();
  if (!status.ok()) return status;

  if (request.best_of != 0 && request.best_of < request.sampling.n) {
    return InvalidRequest("best_of", absl::StrCat("'best_of' (", request.best_of, ") must be greater than or equal "
                                                  "to 'n' (", request.sampling.n, ")."));
  }
  if (request.best_of > request.sampling.n && request.sampling.stream) {
    return InvalidRequest("best_of", "'best_of' cannot be used with 'stream': candidates are ranked only when "
                                     "all are complete.");
  }
  return request;
}

}  // namespace basalt::gateway::openai
