#pragma once
// The gateway's route table. Shared by main() and the handler tests, so the tests exercise the real
// routing, authentication and error rendering.
#include <string>

#include "gateway/handlers/handlers.h"
#include "gateway/http_server.h"

namespace basalt::gateway {

// Adds every endpoint. With a non-empty `api_key`, /v1/* needs "Authorization: Bearer <api_key>".
// `context` must outlive the server.
void AddRoutes(HttpServer& server, const HandlerContext& context, const std::string& api_key);

// Errors found by the HTTP layer (404, 405, 413, ...) in the OpenAI envelope.
HttpResponse RenderHttpError(int status, const std::string& message);

}  // namespace basalt::gateway
