#include "gateway/handlers/http_json.h"

#include "absl/strings/str_cat.h"
#include "common/json/json.h"
#include "gateway/openai/api_error.h"

namespace basalt::gateway {

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

absl::StatusOr<rapidjson::Document> ParseJsonBody(const HttpRequest& request) {
  if (!IsValidUtf8(request.body)) {
    return openai::InvalidRequest("", "The request body is not valid UTF-8.", "invalid_encoding");
  }
  absl::StatusOr<rapidjson::Document> doc = json::Parse(request.body);
  if (!doc.ok()) {
    return openai::InvalidRequest(
        "", absl::StrCat("We could not parse the JSON body of your request (", doc.status().message(),
                         "). The API expects a JSON payload; make sure the body is valid JSON and the "
                         "Content-Type is application/json."));
  }
  if (!doc->IsObject()) return openai::InvalidRequest("", "The request body must be a JSON object.");
  return doc;
}

HttpResponse JsonResponse(std::string body, int status) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse ErrorResponse(const absl::Status& status) {
  openai::ApiError error = openai::ToApiError(status);
  HttpResponse response = JsonResponse(openai::ErrorJson(error), error.http_status);
  if (error.retry_after_seconds) response.headers.emplace_back("Retry-After", absl::StrCat(*error.retry_after_seconds));
  return response;
}

std::string ErrorEventData(const absl::Status& status) { return openai::ErrorJson(openai::ToApiError(status)); }

}  // namespace basalt::gateway
