#include "gateway/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace basalt::gateway {
namespace {

// Start of the request being served on this thread (each connection is served by one pool thread).
thread_local absl::Time request_start;

// SSE over httplib's chunked-transfer sink.
class SinkSseWriter final : public SseWriter {
 public:
  explicit SinkSseWriter(httplib::DataSink& sink) : sink_(sink) {}
  bool Event(absl::string_view data) override { return Write(SseFrame(data)); }
  bool Comment(absl::string_view text) override { return Write(absl::StrCat(": ", text, "\n\n")); }
  bool ok() const { return ok_; }

 private:
  bool Write(const std::string& frame) {
    if (ok_) ok_ = sink_.write(frame.data(), frame.size());
    return ok_;
  }
  httplib::DataSink& sink_;
  bool ok_ = true;
};

std::string DefaultMessage(int status, const httplib::Request& req, size_t max_body_bytes) {
  switch (status) {
    case 400: return "Bad request: the HTTP request could not be parsed.";
    case 404: return absl::StrCat("Invalid URL (", req.method, " ", req.path, ")");
    case 413: return absl::StrCat("Request body too large: the limit is ", max_body_bytes, " bytes.");
    case 414: return "Request URI too long.";
    case 416: return "Invalid Range header.";
    default: return absl::StrCat("HTTP error ", status, ".");
  }
}

}  // namespace

std::string SseFrame(absl::string_view data) { return absl::StrCat("data: ", data, "\n\n"); }

std::string HttpRequest::Header(absl::string_view name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? "" : it->second;
}

struct HttpServer::Impl {
  struct RouteEntry {
    std::string method;
    std::regex pattern;
    HttpHandler handler;
  };

  HttpServerOptions options;
  HttpErrorRenderer render_error;
  httplib::Server server;
  std::vector<RouteEntry> routes;
  std::thread thread;
  int listen_fd = -1;  // the bound socket (see Bind)

  void Apply(HttpResponse response, httplib::Response& res) {
    res.status = response.status;
    for (const auto& [name, value] : response.headers) res.set_header(name.c_str(), value);
    if (!response.stream) {
      res.set_content(response.body, response.content_type.c_str());
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");  // proxies must not buffer the stream
    auto stream = std::make_shared<std::function<void(SseWriter&)>>(std::move(response.stream));
    res.set_chunked_content_provider("text/event-stream", [stream](size_t, httplib::DataSink& sink) {
      SinkSseWriter writer(sink);
      (*stream)(writer);
      if (writer.ok()) sink.done();
      return writer.ok();
    });
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res) {
    HttpRequest request;
    request.method = req.method;
    request.path = req.path;
    request.body = req.body;
    request.remote = absl::StrCat(req.remote_addr, ":", req.remote_port);
    for (const auto& [name, value] : req.headers) request.headers.emplace(absl::AsciiStrToLower(name), value);

    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    std::set<std::string> allowed;
    for (const RouteEntry& route : routes) {
      std::smatch match;
      if (!std::regex_match(req.path, match, route.pattern)) continue;
      if (route.method != method) {
        allowed.insert(route.method);
        continue;
      }
      for (size_t i = 1; i < match.size(); ++i) request.path_params.push_back(match[i].str());
      Apply(route.handler(request), res);
      return;
    }
    if (allowed.empty()) {
      Apply(render_error(404, DefaultMessage(404, req, options.max_body_bytes)), res);
      return;
    }
    const std::string allow = absl::StrJoin(allowed, ", ");
    if (method == "OPTIONS") {  // CORS preflight
      res.status = 204;
      res.set_header("Access-Control-Allow-Methods", allow);
      res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
      res.set_header("Access-Control-Max-Age", "86400");
      return;
    }
    HttpResponse response = render_error(
        405, absl::StrCat("Method ", req.method, " is not allowed for ", req.path, "; use ", allow, "."));
    response.headers.emplace_back("Allow", allow);
    Apply(std::move(response), res);
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpErrorRenderer render_error) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->render_error = std::move(render_error);
  Impl* impl = impl_.get();
  httplib::Server& server = impl->server;

  const int threads = impl->options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_payload_max_length(impl->options.max_body_bytes);
  // Streams write one small SSE frame per token: without TCP_NODELAY, Nagle's algorithm holds each frame
  // back until the previous one is acknowledged (~40 ms with delayed ACKs), bunching tokens.
  server.set_tcp_nodelay(true);
  server.set_tcp_nodelay(true);  // SSE chunks are small; Nagle would delay them
  server.set_read_timeout(std::chrono::seconds(30));
  server.set_write_timeout(std::chrono::seconds(impl->options.write_timeout_seconds));
  server.set_keep_alive_timeout(impl->options.keep_alive_timeout_seconds);
  server.set_keep_alive_max_count(1000);  // clients with connection pools reuse connections
  server.set_default_headers({{"Access-Control-Allow-Origin", "*"}});
  // Instead of httplib's default (SO_REUSEPORT, which lets a second server share the port silently):
  // SO_REUSEADDR, and remember the socket so Bind() can enlarge its listen backlog.
  server.set_socket_options([impl](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    impl->listen_fd = fd;
  });
  if (!impl->options.static_dir.empty() && !server.set_mount_point("/", impl->options.static_dir)) {
    spdlog::warn("static directory {} does not exist; not serving files", impl->options.static_dir);
  }

  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = absl::Now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Every method goes through Dispatch, which knows 404 from 405.
  auto dispatch = [impl](const httplib::Request& req, httplib::Response& res) { impl->Dispatch(req, res); };
  server.Get(".*", dispatch);
  server.Post(".*", dispatch);
  server.Put(".*", dispatch);
  server.Patch(".*", dispatch);
  server.Delete(".*", dispatch);
  server.Options(".*", dispatch);

  // Errors httplib detects itself (unparsable request, body too large) get the same JSON envelope.
  server.set_error_handler(httplib::Server::HandlerWithResponse([impl](const httplib::Request& req,
                                                                       httplib::Response& res) {
    if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Unhandled;
    HttpResponse response = impl->render_error(res.status, DefaultMessage(res.status, req, impl->options.max_body_bytes));
    res.set_content(response.body, response.content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([impl](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {}: {}", req.method, req.path, what);
    HttpResponse response = impl->render_error(500, "Internal server error.");
    res.status = 500;
    res.set_content(response.body, response.content_type.c_str());
  });
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    spdlog::info("{} {} {} {} {:.1f}ms", req.remote_addr, req.method, req.path, res.status,
                 absl::ToDoubleMilliseconds(absl::Now() - request_start));
  });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& path_pattern, HttpHandler handler) {
  impl_->routes.push_back(Impl::RouteEntry{method, std::regex(path_pattern), std::move(handler)});
}

absl::StatusOr<int> HttpServer::Bind(const std::string& host, int port) {
  int bound = port;
  if (port == 0) {
    bound = impl_->server.bind_to_any_port(host);
  } else if (!impl_->server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound < 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ":", port));
  // cpp-httplib 0.11 listens with a backlog of 5, so a burst of connections (hundreds of clients
  // starting streams at once) overflows it and waits for SYN retransmits. Listening again on a
  // listening socket only updates its backlog (Linux).
  if (impl_->listen_fd >= 0) ::listen(impl_->listen_fd, SOMAXCONN);
  return bound;
}

void HttpServer::Start() {
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // cpp-httplib 0.11 has no wait_until_ready(): poll.
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpServer::Stop() {
  if (impl_->server.is_running()) impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace basalt::gateway
