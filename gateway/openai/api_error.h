#pragma once
// OpenAI error envelope. Inside the gateway every failure is an absl::Status; the OpenAI fields that a
// status code cannot carry (`param`, `code`, an HTTP status other than the code's default) travel as
// status payloads. ToApiError() is the one place where a status becomes the HTTP error response.
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace basalt::gateway::openai {

// 400 invalid_request_error naming the offending request parameter ("" for none).
absl::Status InvalidRequest(absl::string_view param, absl::string_view message,
                            absl::string_view code = "");
// OpenAI's standard wording for the common validation failures (same messages, params and codes).
absl::Status MissingParameter(absl::string_view param);
absl::Status InvalidType(absl::string_view param, absl::string_view expected, absl::string_view got);
absl::Status BelowMinimum(absl::string_view param, absl::string_view bound, absl::string_view got,
                          bool integer);
absl::Status AboveMaximum(absl::string_view param, absl::string_view bound, absl::string_view got,
                          bool integer);
// 404 model_not_found.
absl::Status ModelNotFound(absl::string_view model);
// Any status with an explicit HTTP status (413, 405, ...) instead of the code's default.
absl::Status WithHttpStatus(absl::Status status, int http_status);
// Any status with an explicit OpenAI `code`.
absl::Status WithErrorCode(absl::Status status, absl::string_view code);

// The parts of an OpenAI error response.
struct ApiError {
  int http_status = 500;
  std::string message;
  std::string type;
  std::optional<std::string> param;
  std::optional<std::string> code;
  // Seconds for a Retry-After header (429 and 503).
  std::optional<int> retry_after_seconds;
};

// Maps a (non-OK) status: INVALID_ARGUMENT / FAILED_PRECONDITION / OUT_OF_RANGE -> 400,
// UNAUTHENTICATED -> 401, PERMISSION_DENIED -> 403, NOT_FOUND -> 404, RESOURCE_EXHAUSTED -> 429,
// UNAVAILABLE -> 503, DEADLINE_EXCEEDED -> 504, anything else -> 500; payloads override.
ApiError ToApiError(const absl::Status& status);

// {"error":{"message":...,"type":...,"param":...,"code":...}}
std::string ErrorJson(const ApiError& error);

}  // namespace basalt::gateway::openai
