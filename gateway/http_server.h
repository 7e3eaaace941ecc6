#pragma once
// The HTTP layer: routing, static files, body limits and Server-Sent Events. The only file that
// includes httplib.h (cpp-httplib stays an implementation detail behind a pimpl).
//
// Each connection is served on a thread of the server's pool; a handler runs on it and returns an
// HttpResponse. A streaming response carries a function that writes SSE events on the same thread after
// the headers went out; a failed write means the client went away.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace basalt::gateway {

struct HttpRequest {
  std::string method;
  std::string path;
  std::string body;
  // Lower-case header names.
  std::multimap<std::string, std::string> headers;
  // Capture groups of the route's path pattern.
  std::vector<std::string> path_params;
  std::string remote;  // "addr:port"

  // The first value of a header (case-insensitive name), or "".
  std::string Header(absl::string_view name) const;
};

// Writes one SSE stream. Every method returns false once the client is gone.
class SseWriter {
 public:
  virtual ~SseWriter() = default;
  // "data: <data>\n\n" (data must not contain a newline; compact JSON never does).
  virtual bool Event(absl::string_view data) = 0;
  // "data: [DONE]\n\n"
  bool Done() { return Event("[DONE]"); }
  // ": <text>\n\n", a comment that keeps idle connections alive and detects gone clients.
  virtual bool Comment(absl::string_view text) = 0;
};

// "data: <data>\n\n": the framing of one event.
std::string SseFrame(absl::string_view data);

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the response is an SSE stream (text/event-stream) produced by this function.
  std::function<void(SseWriter&)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Renders an error response for the failures the HTTP layer detects itself (404, 405, 413, 400).
using HttpErrorRenderer = std::function<HttpResponse(int status, const std::string& message)>;

struct HttpServerOptions {
  // Connections served at once (each needs a thread for as long as it streams).
  int threads = 512;
  size_t max_body_bytes = 16 << 20;
  // Directory served at "/" ("" for none).
  std::string static_dir;
  // Seconds a streaming write may block, and an idle keep-alive connection may wait.
  int write_timeout_seconds = 60;
  int keep_alive_timeout_seconds = 5;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpErrorRenderer render_error);
  ~HttpServer();

  // Adds a route; `path_pattern` is an ECMAScript regex matched against the whole path. A path that
  // matches some route but not its method gets 405, a path that matches none gets 404.
  void Route(const std::string& method, const std::string& path_pattern, HttpHandler handler);

  // Binds (port 0: any free port) and returns the bound port.
  absl::StatusOr<int> Bind(const std::string& host, int port);
  // Serves on a background thread until Stop(); returns once the server accepts connections.
  void Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace basalt::gateway
