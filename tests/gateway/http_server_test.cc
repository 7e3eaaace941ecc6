// The HTTP layer alone: routing (404/405), body limits (413), static files, SSE framing, many
// concurrent streams, and noticing a client that went away.
#include "gateway/http_server.h"

#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gateway/routes.h"
#include "tests/gateway/test_util.h"

namespace basalt::gateway {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(options, RenderHttpError);
    server_->Route("GET", "/hello/(\\w+)", [](const HttpRequest& request) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = "hello " + request.path_params[0] + " " + request.Header("X-Test");
      return response;
    });
    server_->Route("POST", "/echo", [](const HttpRequest& request) {
      HttpResponse response;
      response.body = request.body;
      return response;
    });
    server_->Route("GET", "/events", [this](const HttpRequest&) {
      HttpResponse response;
      response.stream = [this](SseWriter& sse) {
        for (int i = 0; i < 3; ++i) sse.Event("{\"i\":" + std::to_string(i) + "}");
        sse.Done();
        ++streams_done_;
      };
      return response;
    });
    server_->Route("GET", "/forever", [this](const HttpRequest&) {
      HttpResponse response;
      response.stream = [this](SseWriter& sse) {
        while (sse.Event("{\"tick\":1}")) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        ++writes_failed_;
      };
      return response;
    });
    auto port = server_->Bind("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    server_->Start();
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(10, 0);
    return client;
  }

  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<int> streams_done_{0};
  std::atomic<int> writes_failed_{0};
};

TEST_F(HttpServerTest, RoutesWithPathParamsAndHeaders) {
  StartServer();
  auto client = Client();
  auto res = client.Get("/hello/world", {{"X-Test", "yes"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello world yes");
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
}

TEST_F(HttpServerTest, UnknownPathIs404Json) {
  StartServer();
  auto client = Client();
  auto res = client.Get("/v1/nothing");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->body,
            R"json({"error":{"message":"Invalid URL (GET /v1/nothing)","type":"invalid_request_error","param":null,)json"
            R"json("code":null}})json");
  auto post = client.Post("/nothing", "{}", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
}

TEST_F(HttpServerTest, WrongMethodIs405JsonWithAllow) {
  StartServer();
  auto client = Client();
  auto res = client.Get("/echo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
  EXPECT_NE(res->body.find(R"("message":"Method GET is not allowed for /echo; use POST.")"), std::string::npos)
      << res->body;
  auto del = client.Delete("/hello/x");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 405);
  auto options = client.Options("/echo");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 204);  // CORS preflight
  EXPECT_EQ(options->get_header_value("Access-Control-Allow-Methods"), "POST");
}

TEST_F(HttpServerTest, HugeBodyIs413Json) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  StartServer(options);
  auto client = Client();
  auto ok = client.Post("/echo", std::string(1000, 'x'), "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto res = client.Post("/echo", std::string(1001, 'x'), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_NE(res->body.find(R"("type":"invalid_request_error")"), std::string::npos) << res->body;
  EXPECT_NE(res->body.find("limit is 1000 bytes"), std::string::npos) << res->body;
}

TEST_F(HttpServerTest, ServesStaticFiles) {
  const std::string dir = ::testing::TempDir() + "/basalt_static";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/index.html") << "<h1>Basalt</h1>";
  HttpServerOptions options;
  options.static_dir = dir;
  StartServer(options);
  auto client = Client();
  auto res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "<h1>Basalt</h1>");
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html");
  auto missing = client.Get("/missing.js");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpServerTest, SseFraming) {
  EXPECT_EQ(SseFrame("{\"a\":1}"), "data: {\"a\":1}\n\n");
  StartServer();
  auto client = Client();
  auto res = client.Get("/events");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(res->body, "data: {\"i\":0}\n\ndata: {\"i\":1}\n\ndata: {\"i\":2}\n\ndata: [DONE]\n\n");
}

TEST_F(HttpServerTest, ManyConcurrentStreams) {
  HttpServerOptions options;
  options.threads = 300;
  StartServer(options);
  constexpr int kClients = 256;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&] {
      auto client = Client();
      auto res = client.Get("/events");
      if (res && res->status == 200 && res->body.size() > 40) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients);
  EXPECT_EQ(streams_done_.load(), kClients);
}

TEST_F(HttpServerTest, ClientThatLeavesFailsTheNextWrites) {
  StartServer();
  {
    auto client = Client();
    int chunks = 0;
    // Returning false from the receiver closes the connection mid-stream.
    client.Get("/forever", [&](const char*, size_t) { return ++chunks < 3; });
  }
  for (int i = 0; i < 200 && writes_failed_.load() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(writes_failed_.load(), 1);
}

}  // namespace
}  // namespace basalt::gateway
