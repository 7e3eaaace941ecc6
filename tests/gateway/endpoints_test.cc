// The other endpoints (models, tokenize, detokenize, health, version), authentication, and the HTTP
// errors of the real route table.
#include "absl/strings/str_join.h"
#include "common/json/json.h"
#include "tests/gateway/gateway_fixture.h"

namespace basalt::gateway::testing {
namespace {

class EndpointsTest : public GatewayTest {};

TEST_F(EndpointsTest, ListModels) {
  HttpResult r = Get("/v1/models");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  EXPECT_EQ(doc["object"].GetString(), std::string("list"));
  ASSERT_EQ(doc["data"].Size(), 1u);
  const auto& m = doc["data"][0];
  EXPECT_EQ(m["id"].GetString(), std::string("tiny-test"));
  EXPECT_EQ(m["object"].GetString(), std::string("model"));
  EXPECT_EQ(m["owned_by"].GetString(), std::string("basalt"));
  EXPECT_TRUE(m["created"].IsInt64());
  EXPECT_EQ(m["max_model_len"].GetInt(), 256);
  EXPECT_TRUE(m["has_chat_template"].GetBool());
}

TEST_F(EndpointsTest, ModelsSayWhetherChatWorks) {
  GatewaySetup setup = DefaultSetup();
  setup.worker.serve_chat_template = false;
  Restart(setup);
  EXPECT_FALSE(Get("/v1/models").Json()["data"][0]["has_chat_template"].GetBool());
  EXPECT_FALSE(Get("/v1/models/tiny-test").Json()["has_chat_template"].GetBool());
  // --chat-template gives the model one.
  setup.model.chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}";
  Restart(setup);
  EXPECT_TRUE(Get("/v1/models/tiny-test").Json()["has_chat_template"].GetBool());
}

TEST_F(EndpointsTest, GetModel) {
  HttpResult r = Get("/v1/models/tiny-test");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["id"].GetString(), std::string("tiny-test"));
  HttpResult missing = Get("/v1/models/gpt-4o");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body,
            R"({"error":{"message":"The model `gpt-4o` does not exist or you do not have access to it.",)"
            R"("type":"invalid_request_error","param":"model","code":"model_not_found"}})");
}

TEST_F(EndpointsTest, ServedModelNameAliases) {
  GatewaySetup setup = DefaultSetup();
  setup.model.served_names = {"basalt-small", "small"};
  Restart(setup);
  rapidjson::Document doc = Get("/v1/models").Json();
  ASSERT_EQ(doc["data"].Size(), 2u);
  EXPECT_EQ(doc["data"][0]["id"].GetString(), std::string("basalt-small"));
  EXPECT_EQ(doc["data"][1]["id"].GetString(), std::string("small"));
  EXPECT_EQ(doc["data"][1]["root"].GetString(), std::string("tiny-test"));
  HttpResult alias = Post("/v1/completions", R"({"model":"small","prompt":"hello","max_tokens":1})");
  ASSERT_EQ(alias.status, 200) << alias.body;
  EXPECT_EQ(alias.Json()["model"].GetString(), std::string("small"));  // echoes the name asked for
  EXPECT_EQ(Post("/v1/completions", R"({"model":"tiny-test","prompt":"hello"})").status, 404);
  EXPECT_EQ(Get("/v1/models/small").status, 200);
}

TEST_F(EndpointsTest, Tokenize) {
  HttpResult r = Post("/tokenize", R"({"model":"tiny-test","prompt":"hello world"})");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  const std::vector<int32_t> ids = model().tokenizer->Encode("hello world", true)->ids;
  EXPECT_EQ(doc["count"].GetUint64(), ids.size());
  EXPECT_EQ(doc["max_model_len"].GetInt(), 256);
  ASSERT_EQ(doc["tokens"].Size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(doc["tokens"][static_cast<rapidjson::SizeType>(i)].GetInt(), ids[i]);
  EXPECT_TRUE(doc["token_strs"].IsNull());

  HttpResult strs = Post("/tokenize", R"({"prompt":"hello world","add_special_tokens":false,"return_token_strs":true})");
  ASSERT_EQ(strs.status, 200) << strs.body;
  EXPECT_EQ(json::Serialize(strs.Json()["token_strs"]), R"(["hello","Ġworld"])");
  EXPECT_EQ(strs.Json()["count"].GetInt(), 2);
}

TEST_F(EndpointsTest, TokenizeChatMessages) {
  HttpResult r = Post("/tokenize", R"({"messages":[{"role":"user","content":"hi"}],"add_generation_prompt":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  std::vector<int32_t> ids;
  for (const auto& id : doc["tokens"].GetArray()) ids.push_back(id.GetInt());
  EXPECT_EQ(model().tokenizer->Decode(ids, false),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
}

TEST_F(EndpointsTest, TokenizeErrors) {
  EXPECT_EQ(Post("/tokenize", R"({"prompt":5})").status, 400);
  EXPECT_EQ(Post("/tokenize", R"({})").status, 400);
  EXPECT_EQ(Post("/tokenize", R"({"prompt":"x","model":"nope"})").status, 404);
  EXPECT_EQ(Post("/tokenize", R"({"prompt":"x","extra":1})").status, 400);
  EXPECT_EQ(Post("/tokenize", "not json").status, 400);
}

TEST_F(EndpointsTest, Detokenize) {
  const std::vector<int32_t> ids = model().tokenizer->Encode("hello world", true)->ids;
  const std::string tokens = "[" + absl::StrJoin(ids, ",") + "]";
  HttpResult r = Post("/detokenize", R"({"model":"tiny-test","tokens":)" + tokens + "}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"prompt":"<|bos|>hello world"})");
  HttpResult bad = Post("/detokenize", R"({"tokens":[1,999999]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("outside the vocabulary"), std::string::npos);
  EXPECT_EQ(Post("/detokenize", R"({"tokens":"1 2"})").status, 400);
  EXPECT_EQ(Post("/detokenize", R"({"tokens":[1.5]})").status, 400);
  EXPECT_EQ(Post("/detokenize", R"({})").status, 400);
}

TEST_F(EndpointsTest, HealthFollowsTheWorker) {
  HttpResult up = Get("/health");
  EXPECT_EQ(up.status, 200);
  EXPECT_EQ(up.body, R"({"status":"ok"})");
  worker().Shutdown();
  HttpResult down = Get("/health");
  EXPECT_EQ(down.status, 503);
  EXPECT_NE(down.body.find(R"("type":"server_error")"), std::string::npos);
  EXPECT_EQ(down.Header("retry-after"), "1");
}

TEST_F(EndpointsTest, Version) {
  HttpResult r = Get("/version");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"version":"test","worker_version":"fake-worker"})");
}

TEST_F(EndpointsTest, ApiKey) {
  GatewaySetup setup = DefaultSetup();
  setup.api_key = "sekret";
  Restart(setup);
  HttpResult none = Get("/v1/models");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.body.find(R"("code":"invalid_api_key")"), std::string::npos) << none.body;
  EXPECT_EQ(Get("/v1/models", {{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(Get("/v1/models", {{"Authorization", "sekret"}}).status, 401);
  EXPECT_EQ(Get("/v1/models", {{"Authorization", "Bearer sekret"}}).status, 200);
  EXPECT_EQ(Post("/v1/completions", R"({"model":"tiny-test","prompt":"x","max_tokens":1})",
                 {{"Authorization", "Bearer sekret"}}).status, 200);
  EXPECT_EQ(Post("/v1/chat/completions", "{}").status, 401);  // before any validation
  EXPECT_EQ(Get("/health").status, 200);                      // outside /v1: open
}

TEST_F(EndpointsTest, HttpErrorsAreJsonEnvelopes) {
  HttpResult unknown = Get("/v1/engines");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body,
            R"json({"error":{"message":"Invalid URL (GET /v1/engines)","type":"invalid_request_error","param":null,)json"
            R"json("code":null}})json");
  HttpResult method = Get("/v1/completions");
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.Header("allow"), "POST");
  EXPECT_NE(method.body.find(R"("type":"invalid_request_error")"), std::string::npos);
  HttpResult huge = Post("/v1/completions", std::string((1 << 20) + 1, ' '));
  EXPECT_EQ(huge.status, 413);
  EXPECT_NE(huge.body.find("Request body too large"), std::string::npos) << huge.body;
  HttpResult empty = Post("/v1/completions", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_NE(empty.body.find("could not parse the JSON body"), std::string::npos) << empty.body;
}

}  // namespace
}  // namespace basalt::gateway::testing
