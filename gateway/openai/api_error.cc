#include "gateway/openai/api_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace basalt::gateway::openai {
namespace {

// Payload keys (type URLs, as absl recommends).
constexpr absl::string_view kParamKey = "basalt.gateway/param";
constexpr absl::string_view kCodeKey = "basalt.gateway/code";
constexpr absl::string_view kHttpStatusKey = "basalt.gateway/http_status";

std::optional<std::string> Payload(const absl::Status& status, absl::string_view key) {
  absl::optional<absl::Cord> cord = status.GetPayload(key);
  if (!cord.has_value()) return std::nullopt;
  return std::string(*cord);
}

}  // namespace

absl::Status InvalidRequest(absl::string_view param, absl::string_view message, absl::string_view code) {
  absl::Status status = absl::InvalidArgumentError(message);
  if (!param.empty()) status.SetPayload(kParamKey, absl::Cord(param));
  if (!code.empty()) status.SetPayload(kCodeKey, absl::Cord(code));
  return status;
}

absl::Status MissingParameter(absl::string_view param) {
  return InvalidRequest(param, absl::StrCat("Missing required parameter: '", param, "'."),
                        "missing_required_parameter");
}

absl::Status InvalidType(absl::string_view param, absl::string_view expected, absl::string_view got) {
  return InvalidRequest(param,
                        absl::StrCat("Invalid type for '", param, "': expected ", expected,
                                     ", but got ", got, " instead."),
                        "invalid_type");
}

absl::Status BelowMinimum(absl::string_view param, absl::string_view bound, absl::string_view got,
                          bool integer) {
  const char* kind = integer ? "integer" : "decimal";
  return InvalidRequest(param,
                        absl::StrCat("Invalid '", param, "': ", kind, " below minimum value. Expected a value ",
                                     bound, ", but got ", got, " instead."),
                        absl::StrCat(kind, "_below_min_value"));
}

absl::Status AboveMaximum(absl::string_view param, absl::string_view bound, absl::string_view got,
                          bool integer) {
  const char* kind = integer ? "integer" : "decimal";
  return InvalidRequest(param,
                        absl::StrCat("Invalid '", param, "': ", kind, " above maximum value. Expected a value ",
                                     bound, ", but got ", got, " instead."),
                        absl::StrCat(kind, "_above_max_value"));
}

absl::Status ModelNotFound(absl::string_view model) {
  absl::Status status = absl::NotFoundError(
      absl::StrCat("The model `", model, "` does not exist or you do not have access to it."));
  status.SetPayload(kParamKey, absl::Cord("model"));
  status.SetPayload(kCodeKey, absl::Cord("model_not_found"));
  return status;
}

absl::Status WithHttpStatus(absl::Status status, int http_status) {
  status.SetPayload(kHttpStatusKey, absl::Cord(absl::StrCat(http_status)));
  return status;
}

absl::Status WithErrorCode(absl::Status status, absl::string_view code) {
  status.SetPayload(kCodeKey, absl::Cord(code));
  return status;
}

ApiError ToApiError(const absl::Status& status) {
  ApiError error;
  error.message = std::string(status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      error.http_status = 400;
      break;
    case absl::StatusCode::kUnauthenticated:
      error.http_status = 401;
      break;
    case absl::StatusCode::kPermissionDenied:
      error.http_status = 403;
      break;
    case absl::StatusCode::kNotFound:
      error.http_status = 404;
      break;
    case absl::StatusCode::kResourceExhausted:
      error.http_status = 429;
      break;
    case absl::StatusCode::kUnavailable:
      error.http_status = 503;
      break;
    case absl::StatusCode::kDeadlineExceeded:
      error.http_status = 504;
      break;
    default:
      error.http_status = 500;
      break;
  }
  if (std::optional<std::string> http = Payload(status, kHttpStatusKey)) {
    int value = 0;
    if (absl::SimpleAtoi(*http, &value) && value >= 400 && value <= 599) error.http_status = value;
  }
  error.param = Payload(status, kParamKey);
  error.code = Payload(status, kCodeKey);
  // OpenAI's `type` values: client errors are invalid_request_error, rate limits are "requests",
  // everything on our side is server_error.
  if (error.http_status == 429) {
    error.type = "requests";
    if (!error.code) error.code = "rate_limit_exceeded";
    error.retry_after_seconds = 1;
  } else if (error.http_status >= 500) {
    error.type = "server_error";
    if (error.http_status == 503) error.retry_after_seconds = 1;
  } else {
    error.type = "invalid_request_error";
  }
  if (error.http_status == 401 && !error.code) error.code = "invalid_api_key";
  if (error.message.empty()) error.message = absl::StatusCodeToString(status.code());
  return error;
}

std::string ErrorJson(const ApiError& error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("error");
  writer.StartObject();
  writer.Key("message");
  writer.String(error.message.data(), error.message.size());
  writer.Key("type");
  writer.String(error.type.data(), error.type.size());
  writer.Key("param");
  if (error.param) writer.String(error.param->data(), error.param->size()); else writer.Null();
  writer.Key("code");
  if (error.code) writer.String(error.code->data(), error.code->size()); else writer.Null();
  writer.EndObject();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace basalt::gateway::openai
