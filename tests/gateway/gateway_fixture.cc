#include "tests/gateway/gateway_fixture.h"

#include <httplib.h>

#include "absl/strings/ascii.h"
#include "common/json/json.h"
#include "gateway/routes.h"
#include "spdlog/spdlog.h"
#include "tests/gateway/test_util.h"

namespace basalt::gateway::testing {
namespace {

// Request logs of hundreds of requests drown the test output; warnings and errors still show.
const bool kQuietLogs = [] {
  spdlog::set_level(spdlog::level::warn);
  return true;
}();

httplib::Headers ToHeaders(const std::map<std::string, std::string>& headers) {
  return httplib::Headers(headers.begin(), headers.end());
}

HttpResult ToResult(const httplib::Result& res) {
  HttpResult result;
  if (!res) return result;
  result.status = res->status;
  result.body = res->body;
  for (const auto& [name, value] : res->headers) result.headers.emplace(absl::AsciiStrToLower(name), value);
  return result;
}

}  // namespace

std::string HttpResult::Header(const std::string& name) const {
  auto it = headers.find(absl::AsciiStrToLower(name));
  return it == headers.end() ? "" : it->second;
}

rapidjson::Document HttpResult::Json() const {
  absl::StatusOr<rapidjson::Document> doc = json::Parse(body);
  EXPECT_TRUE(doc.ok()) << doc.status() << ": " << body;
  return doc.ok() ? *std::move(doc) : rapidjson::Document();
}

std::vector<std::string> SseData(const std::string& body) {
  std::vector<std::string> data;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string event = body.substr(pos, end - pos);
    if (event.rfind("data: ", 0) == 0) data.push_back(event.substr(6));
    pos = end + 2;
  }
  return data;
}

GatewaySetup GatewayTest::DefaultSetup() {
  GatewaySetup setup;
  setup.worker.model_dir = TinyTokenizerDir();
  return setup;
}

void GatewayTest::SetUp() { Restart(DefaultSetup()); }

void GatewayTest::TearDown() { Stop(); }

void GatewayTest::Stop() {
  if (server_) server_->Stop();
  server_.reset();
  context_.reset();
  models_.reset();
  pool_.reset();
  worker_.reset();
}

void GatewayTest::Restart(const GatewaySetup& setup) {
  Stop();
  auto worker = basalt::testing::FakeWorker::Start(setup.worker);
  ASSERT_TRUE(worker.ok()) << worker.status();
  worker_ = *std::move(worker);
  std::vector<std::unique_ptr<WorkerClient>> clients;
  clients.push_back(NewGrpcWorkerClient(worker_->address()));
  pool_ = std::make_unique<WorkerPool>(std::move(clients));
  models_ = std::make_unique<ModelRegistry>(*pool_, setup.model);
  ASSERT_TRUE(models_->Load().ok());
  context_ = std::make_unique<HandlerContext>();
  context_->worker = pool_.get();
  context_->models = models_.get();
  context_->limits = setup.limits;
  context_->stream_heartbeat = absl::Milliseconds(100);
  context_->version = "test";
  HttpServerOptions options;
  options.threads = 300;
  options.max_body_bytes = 1 << 20;
  server_ = std::make_unique<HttpServer>(options, RenderHttpError);
  AddRoutes(*server_, *context_, setup.api_key);
  auto port = server_->Bind("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  port_ = *port;
  server_->Start();
}

HttpResult GatewayTest::Get(const std::string& path, const std::map<std::string, std::string>& headers) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(30, 0);
  return ToResult(client.Get(path.c_str(), ToHeaders(headers)));
}

HttpResult GatewayTest::Post(const std::string& path, const std::string& body,
                             const std::map<std::string, std::string>& headers) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(30, 0);
  return ToResult(client.Post(path.c_str(), ToHeaders(headers), body, "application/json"));
}

std::vector<std::string> GatewayTest::PostStream(const std::string& path, const std::string& body,
                                                 HttpResult* result) {
  HttpResult r = Post(path, body);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "text/event-stream");
  std::vector<std::string> data = SseData(r.body);
  if (result != nullptr) *result = r;
  return data;
}

}  // namespace basalt::gateway::testing
