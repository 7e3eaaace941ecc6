#include "gateway/routes.h"

#include "absl/strings/match.h"
#include "gateway/handlers/http_json.h"
#include "gateway/openai/api_error.h"

namespace basalt::gateway {
namespace {

// Compares in time independent of where the strings differ.
bool SecretEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

HttpHandler WithApiKey(const std::string& api_key, HttpHandler handler) {
  if (api_key.empty()) return handler;
  return [api_key, handler = std::move(handler)](const HttpRequest& request) {
    const std::string header = request.Header("authorization");
    if (header.empty()) {
      return ErrorResponse(absl::UnauthenticatedError(
          "You didn't provide an API key. You need to provide your API key in an Authorization header using "
          "Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."));
    }
    constexpr absl::string_view kBearer = "Bearer ";
    if (!absl::StartsWith(header, kBearer) || !SecretEquals(absl::string_view(header).substr(kBearer.size()), api_key)) {
      return ErrorResponse(absl::UnauthenticatedError("Incorrect API key provided."));
    }
    return handler(request);
  };
}

}  // namespace

HttpResponse RenderHttpError(int status, const std::string& message) {
  absl::Status error = status == 404 ? absl::NotFoundError(message)
                       : status >= 500 ? absl::InternalError(message)
                                       : absl::InvalidArgumentError(message);
  return ErrorResponse(openai::WithHttpStatus(error, status));
}

void AddRoutes(HttpServer& server, const HandlerContext& context, const std::string& api_key) {
  const HandlerContext* ctx = &context;
  auto bind = [ctx](HttpResponse (*handler)(const HandlerContext&, const HttpRequest&)) -> HttpHandler {
    return [ctx, handler](const HttpRequest& request) { return handler(*ctx, request); };
  };
  server.Route("POST", "/v1/completions", WithApiKey(api_key, bind(HandleCompletions)));
  server.Route("POST", "/v1/chat/completions", WithApiKey(api_key, bind(HandleChatCompletions)));
  server.Route("GET", "/v1/models", WithApiKey(api_key, bind(HandleListModels)));
  server.Route("GET", "/v1/models/(.+)", WithApiKey(api_key, bind(HandleGetModel)));
  server.Route("POST", "/tokenize", bind(HandleTokenize));
  server.Route("POST", "/detokenize", bind(HandleDetokenize));
  server.Route("GET", "/health", bind(HandleHealth));
  server.Route("GET", "/version", bind(HandleVersion));
}

}  // namespace basalt::gateway
