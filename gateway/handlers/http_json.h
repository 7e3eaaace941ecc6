#pragma once
// JSON in and out of HTTP for the handlers: the request body (UTF-8 and JSON checked), JSON responses,
// and the single place where an absl::Status becomes an OpenAI error response or stream event.
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/http_server.h"
#include "rapidjson/document.h"

namespace basalt::gateway {

// The request body as a JSON object; 400 for invalid UTF-8, malformed JSON or a non-object.
absl::StatusOr<rapidjson::Document> ParseJsonBody(const HttpRequest& request);

HttpResponse JsonResponse(std::string body, int status = 200);
// OpenAI envelope with the status's HTTP code (and Retry-After for 429/503).
HttpResponse ErrorResponse(const absl::Status& status);
// The data of an SSE error event: the same envelope.
std::string ErrorEventData(const absl::Status& status);

// RFC 3629 UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

}  // namespace basalt::gateway
