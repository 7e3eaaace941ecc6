// POST /v1/chat/completions end to end: the model's real chat template (Qwen2.5's, in the tiny-test
// fixture), streaming deltas, tool calls, logprobs and the chat-specific errors.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/json/json.h"
#include "tests/gateway/gateway_fixture.h"

namespace basalt::gateway::testing {
namespace {

std::string Body(const std::string& fields) { return R"({"model":"tiny-test",)" + fields + "}"; }
std::string UserSays(const std::string& text) {
  return R"("messages":[{"role":"user","content":)" + json::Serialize(rapidjson::Value(rapidjson::StringRef(text.c_str()))) + "}]";
}

constexpr char kWeatherTool[] =
    R"("tools":[{"type":"function","function":{"name":"get_weather","description":"Weather of a city",)"
    R"("parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}])";
constexpr char kToolCallText[] =
    "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

class ChatTest : public GatewayTest {
 protected:
  // Tool prompts of the real template are long for a byte-level vocabulary of 389 tokens.
  static constexpr uint32_t kContext = 4096;
  void SetUp() override {
    GatewaySetup setup = DefaultSetup();
    setup.worker.max_model_len = kContext;
    Restart(setup);
  }
  // The prompt the worker received, decoded with its special tokens.
  std::string WorkerPrompt(size_t request = 0) {
    auto requests = worker().requests();
    EXPECT_GT(requests.size(), request);
    if (requests.size() <= request) return "";
    const auto& ids = requests[request].token_ids().ids();
    return model().tokenizer->Decode(std::vector<int32_t>(ids.begin(), ids.end()), false);
  }
  std::vector<rapidjson::Document> Chunks(const std::string& body) {
    std::vector<rapidjson::Document> chunks;
    std::vector<std::string> data = PostStream("/v1/chat/completions", body);
    EXPECT_FALSE(data.empty());
    if (!data.empty()) {
      EXPECT_EQ(data.back(), "[DONE]");
    }
    for (const std::string& d : data) {
      if (d != "[DONE]") chunks.push_back(*json::Parse(d));
    }
    return chunks;
  }
};

TEST_F(ChatTest, RendersTheModelsTemplateAndAnswers) {
  HttpResult r = Post("/v1/chat/completions", Body(UserSays("say:hello world")));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  EXPECT_EQ(std::string(doc["id"].GetString()).rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(doc["object"].GetString(), std::string("chat.completion"));
  EXPECT_EQ(doc["model"].GetString(), std::string("tiny-test"));
  const auto& choice = doc["choices"][0];
  EXPECT_EQ(choice["index"].GetInt(), 0);
  EXPECT_EQ(json::Serialize(choice["message"]), R"({"role":"assistant","content":"hello world","refusal":null})");
  EXPECT_TRUE(choice["logprobs"].IsNull());
  EXPECT_EQ(choice["finish_reason"].GetString(), std::string("stop"));
  // Qwen2.5's template with its default system prompt; no BOS added (add_special_tokens false).
  EXPECT_EQ(WorkerPrompt(),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nsay:hello world<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(doc["usage"]["prompt_tokens"].GetInt(), worker().requests()[0].token_ids().ids_size());
  EXPECT_EQ(worker().requests()[0].stopping().max_tokens(),
            kContext - static_cast<uint32_t>(worker().requests()[0].token_ids().ids_size()));
}

TEST_F(ChatTest, MultiTurnWithSystemAndDeveloperMessages) {
  HttpResult r = Post("/v1/chat/completions",
                      Body(R"("messages":[{"role":"developer","content":"Be brief."},)"
                           R"({"role":"user","content":[{"type":"text","text":"hi"}]},)"
                           R"({"role":"assistant","content":"hello"},{"role":"user","content":"say:ok"}],)"
                           R"("max_completion_tokens":5)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["choices"][0]["message"]["content"].GetString(), std::string("ok"));
  EXPECT_EQ(WorkerPrompt(),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
            "<|im_start|>assistant\nhello<|im_end|>\n<|im_start|>user\nsay:ok<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(worker().requests()[0].stopping().max_tokens(), 5u);
}

TEST_F(ChatTest, StreamingDeltas) {
  std::vector<rapidjson::Document> chunks = Chunks(Body(UserSays("say:hello world") + R"(,"stream":true)"));
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(json::Serialize(chunks[0]["choices"][0]["delta"]), R"({"role":"assistant","content":""})");
  std::string content;
  for (size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i]["object"].GetString(), std::string("chat.completion.chunk"));
    EXPECT_EQ(chunks[i]["id"].GetString(), std::string(chunks[0]["id"].GetString()));
    const auto& delta = chunks[i]["choices"][0]["delta"];
    if (i > 0) {
      EXPECT_FALSE(delta.HasMember("role"));
    }
    if (delta.HasMember("content")) content += delta["content"].GetString();
    if (i + 1 < chunks.size()) {
      EXPECT_TRUE(chunks[i]["choices"][0]["finish_reason"].IsNull());
    }
  }
  EXPECT_EQ(content, "hello world");
  EXPECT_EQ(json::Serialize(chunks.back()["choices"][0]["delta"]), "{}");
  EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"].GetString(), std::string("stop"));
}

TEST_F(ChatTest, StreamingUsageAndN) {
  std::vector<rapidjson::Document> chunks = Chunks(
      Body(UserSays("say:hi there") + R"(,"n":2,"stream":true,"stream_options":{"include_usage":true})"));
  ASSERT_GE(chunks.size(), 5u);
  int roles = 0;
  for (size_t i = 0; i + 1 < chunks.size(); ++i) {
    EXPECT_TRUE(chunks[i]["usage"].IsNull());
    roles += chunks[i]["choices"][0]["delta"].HasMember("role");
  }
  EXPECT_EQ(roles, 2);  // one role chunk per choice
  EXPECT_EQ(chunks.back()["choices"].Size(), 0u);
  EXPECT_GT(chunks.back()["usage"]["completion_tokens"].GetInt(), 0);
}

TEST_F(ChatTest, ToolCalls) {
  HttpResult r = Post("/v1/chat/completions", Body(UserSays(std::string("say:") + kToolCallText) + "," + kWeatherTool));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  const auto& choice = doc["choices"][0];
  EXPECT_EQ(choice["finish_reason"].GetString(), std::string("tool_calls"));
  EXPECT_TRUE(choice["message"]["content"].IsNull());
  ASSERT_EQ(choice["message"]["tool_calls"].Size(), 1u);
  const auto& call = choice["message"]["tool_calls"][0];
  EXPECT_EQ(std::string(call["id"].GetString()).rfind("call_", 0), 0u);
  EXPECT_EQ(call["type"].GetString(), std::string("function"));
  EXPECT_EQ(call["function"]["name"].GetString(), std::string("get_weather"));
  EXPECT_EQ(call["function"]["arguments"].GetString(), std::string(R"({"city":"Paris"})"));
  // The template was given the tools.
  EXPECT_NE(WorkerPrompt().find("# Tools"), std::string::npos);
  EXPECT_NE(WorkerPrompt().find(R"("name": "get_weather")"), std::string::npos) << WorkerPrompt();
}

TEST_F(ChatTest, StreamedToolCalls) {
  std::vector<rapidjson::Document> chunks =
      Chunks(Body(UserSays(std::string("say:") + kToolCallText) + "," + kWeatherTool + R"(,"stream":true)"));
  ASSERT_GE(chunks.size(), 3u);
  std::string content;
  int tool_chunks = 0;
  for (const auto& chunk : chunks) {
    const auto& delta = chunk["choices"][0]["delta"];
    if (delta.HasMember("content")) content += delta["content"].GetString();
    if (delta.HasMember("tool_calls")) {
      ++tool_chunks;
      const auto& call = delta["tool_calls"][0];
      EXPECT_EQ(call["index"].GetInt(), 0);
      EXPECT_EQ(call["function"]["name"].GetString(), std::string("get_weather"));
      EXPECT_EQ(call["function"]["arguments"].GetString(), std::string(R"({"city":"Paris"})"));
    }
  }
  EXPECT_EQ(content, "");  // no tool-call markup leaks as content
  EXPECT_EQ(tool_chunks, 1);
  EXPECT_EQ(chunks.back()["choices"][0]["finish_reason"].GetString(), std::string("tool_calls"));
}

TEST_F(ChatTest, ToolChoiceNoneHidesToolsAndParsesNothing) {
  HttpResult r = Post("/v1/chat/completions", Body(UserSays(std::string("say:") + kToolCallText) + "," +
                                                   kWeatherTool + R"(,"tool_choice":"none")"));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  EXPECT_EQ(doc["choices"][0]["message"]["content"].GetString(), std::string(kToolCallText));
  EXPECT_FALSE(doc["choices"][0]["message"].HasMember("tool_calls"));
  EXPECT_EQ(WorkerPrompt().find("# Tools"), std::string::npos);
}

TEST_F(ChatTest, ToolResultMessagesRender) {
  HttpResult r = Post(
      "/v1/chat/completions",
      Body(R"("messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[)"
           R"({"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},)"
           R"({"role":"tool","tool_call_id":"call_1","content":"say:sunny"}],)" +
           std::string(kWeatherTool)));
  ASSERT_EQ(r.status, 200) << r.body;
  // The fake replies with what follows "say:" up to the next special token.
  EXPECT_EQ(r.Json()["choices"][0]["message"]["content"].GetString(), std::string("sunny\n</tool_response>"));
  const std::string prompt = WorkerPrompt();
  EXPECT_NE(prompt.find("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"),
            std::string::npos) << prompt;
  EXPECT_NE(prompt.find("<|im_start|>user\n<tool_response>\nsay:sunny\n</tool_response><|im_end|>"), std::string::npos)
      << prompt;
}

TEST_F(ChatTest, Logprobs) {
  HttpResult r = Post("/v1/chat/completions", Body(UserSays("say:hello world") + R"(,"logprobs":true,"top_logprobs":2)"));
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = r.Json();
  const auto& logprobs = doc["choices"][0]["logprobs"];
  ASSERT_TRUE(logprobs.IsObject()) << r.body;
  EXPECT_TRUE(logprobs["refusal"].IsNull());
  const auto& content = logprobs["content"];
  ASSERT_EQ(content.Size(), 3u);  // hello, " world", EOS
  EXPECT_EQ(content[0]["token"].GetString(), std::string("hello"));
  EXPECT_NEAR(content[0]["logprob"].GetDouble(), -0.05, 1e-6);
  EXPECT_EQ(json::Serialize(content[0]["bytes"]), "[104,101,108,108,111]");
  ASSERT_EQ(content[0]["top_logprobs"].Size(), 2u);
  EXPECT_EQ(content[0]["top_logprobs"][0]["token"].GetString(), std::string("hello"));
  EXPECT_NEAR(content[0]["top_logprobs"][1]["logprob"].GetDouble(), -1.05, 1e-6);
  EXPECT_EQ(worker().requests()[0].top_logprobs(), 2u);

  std::vector<rapidjson::Document> chunks =
      Chunks(Body(UserSays("say:hello world") + R"(,"logprobs":true,"stream":true)"));
  size_t streamed = 0;
  for (const auto& chunk : chunks) {
    const auto& lp = chunk["choices"][0]["logprobs"];
    if (lp.IsObject()) streamed += lp["content"].Size();
  }
  EXPECT_EQ(streamed, 3u);
}

TEST_F(ChatTest, ContinueFinalMessage) {
  HttpResult r = Post("/v1/chat/completions",
                      Body(R"("messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"say:abc"}],)"
                           R"("add_generation_prompt":false,"continue_final_message":true)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["choices"][0]["message"]["content"].GetString(), std::string("abc"));
  const std::string prompt = WorkerPrompt();
  EXPECT_TRUE(absl::EndsWith(prompt, "<|im_end|>\n<|im_start|>assistant\nsay:abc")) << prompt;
}

TEST_F(ChatTest, ChatErrors) {
  struct Case {
    std::string body;
    std::string param;
  };
  const Case cases[] = {
      {Body(R"("messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x"}}]}])"),
       "messages[0].content[0]"},
      {Body(UserSays("x") + R"(,"response_format":{"type":"json_object"})"), "response_format"},
      {Body(R"("messages":[])"), "messages"},
      {Body(UserSays("x") + R"(,"logprobs":true,"top_logprobs":9)"), "top_logprobs"},
      {Body(UserSays("x") + R"(,"max_completion_tokens":5000)"), "max_completion_tokens"},
      {R"({"model":"other",)" + UserSays("x") + "}", "model"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    HttpResult r = Post("/v1/chat/completions", c.body);
    EXPECT_TRUE(r.status == 400 || r.status == 404) << r.status;
    rapidjson::Document doc = r.Json();
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("error")) << r.body;
    EXPECT_EQ(doc["error"]["param"].GetString(), c.param) << r.body;
  }
  EXPECT_TRUE(worker().requests().empty());
}

TEST_F(ChatTest, ModelWithoutChatTemplate) {
  GatewaySetup setup = DefaultSetup();
  setup.worker.serve_chat_template = false;
  Restart(setup);
  HttpResult r = Post("/v1/chat/completions", Body(UserSays("hi")));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("no chat template"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("--chat-template"), std::string::npos) << r.body;
  // /v1/completions still works.
  EXPECT_EQ(Post("/v1/completions", Body(R"("prompt":"hello")")).status, 200);
}

TEST_F(ChatTest, ChatTemplateOverrideAndKwargs) {
  GatewaySetup setup = DefaultSetup();
  setup.worker.serve_chat_template = false;
  setup.model.chat_template =
      "{{ greeting }}{% for m in messages %}{{ m.role }}={{ m.content }};{% endfor %}"
      "{% if add_generation_prompt %}A:{% endif %}";
  Restart(setup);
  HttpResult r = Post("/v1/chat/completions",
                      Body(UserSays("the end") + R"(,"chat_template_kwargs":{"greeting":"say:"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(WorkerPrompt(), "say:user=the end;A:");
  EXPECT_EQ(r.Json()["choices"][0]["message"]["content"].GetString(), std::string("user=the end;A:"));
}

TEST_F(ChatTest, TemplateSeesSpecialTokenStrings) {
  GatewaySetup setup = DefaultSetup();
  setup.model.chat_template = "B={{ bos_token }} E={{ eos_token }} P={{ pad_token }} U={{ unk_token is defined }}";
  Restart(setup);
  HttpResult r = Post("/tokenize", R"({"messages":[{"role":"user","content":"x"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  HttpResult text = Post("/detokenize", R"({"tokens":)" + json::Serialize(r.Json()["tokens"]) + "}");
  ASSERT_EQ(text.status, 200) << text.body;
  EXPECT_EQ(text.Json()["prompt"].GetString(), std::string("B=<|bos|> E=<|im_end|> P=<|endoftext|> U=False"));
}

TEST_F(ChatTest, TemplateExceptionIs400) {
  GatewaySetup setup = DefaultSetup();
  setup.model.chat_template = "{{ raise_exception('Conversation roles must alternate') }}";
  Restart(setup);
  HttpResult r = Post("/v1/chat/completions", Body(UserSays("x")));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Conversation roles must alternate"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace basalt::gateway::testing
