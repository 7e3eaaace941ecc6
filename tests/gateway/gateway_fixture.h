#pragma once
// A real gateway (routes, handlers, gRPC client) on a loopback port in front of a FakeWorker, and an
// HTTP client to drive it.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/handlers/handlers.h"
#include "gateway/http_server.h"
#include "gateway/served_model.h"
#include "gateway/worker_pool.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/gateway/fake_worker.h"

namespace basalt::gateway::testing {

struct HttpResult {
  int status = 0;  // 0: no response
  std::string body;
  std::multimap<std::string, std::string> headers;
  std::string Header(const std::string& name) const;
  rapidjson::Document Json() const;
};

struct GatewaySetup {
  basalt::testing::FakeWorkerOptions worker;
  openai::Limits limits;
  std::string api_key;
  ServedModelOptions model;
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Replaces the running gateway (and fake worker) with one built from `setup`.
  void Restart(const GatewaySetup& setup);
  static GatewaySetup DefaultSetup();

  HttpResult Get(const std::string& path, const std::map<std::string, std::string>& headers = {});
  HttpResult Post(const std::string& path, const std::string& body,
                  const std::map<std::string, std::string>& headers = {});
  // The data payloads of an SSE response (including "[DONE]"); `result` gets status and headers.
  std::vector<std::string> PostStream(const std::string& path, const std::string& body, HttpResult* result = nullptr);

  basalt::testing::FakeWorker& worker() { return *worker_; }
  const ServedModel& model() { return *models_->Get(); }
  int port() const { return port_; }

 private:
  void Stop();

  std::unique_ptr<basalt::testing::FakeWorker> worker_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<ModelRegistry> models_;
  std::unique_ptr<HandlerContext> context_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

// Splits an SSE body into its data payloads.
std::vector<std::string> SseData(const std::string& body);

}  // namespace basalt::gateway::testing
