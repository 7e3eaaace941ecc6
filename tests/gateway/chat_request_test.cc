// ParseChatRequest: messages normalization, tools, chat-only parameters and their errors.
#include "gateway/openai/chat_request.h"

#include "common/json/json.h"
#include "tests/gateway/test_util.h"

namespace basalt::gateway::openai {
namespace {

using testing::ExpectBadParam;
using testing::Json;

constexpr char kUser[] = R"("messages":[{"role":"user","content":"hi"}])";

absl::StatusOr<ChatRequest> Parse(const std::string& fields) {
  rapidjson::Document doc = Json("{" + fields + "}");
  return ParseChatRequest(doc, Limits{});
}

ChatRequest ParseOk(const std::string& extra) {
  auto request = Parse(std::string(R"("model":"m",)") + kUser + (extra.empty() ? "" : "," + extra));
  EXPECT_TRUE(request.ok()) << request.status() << " for " << extra;
  return request.ok() ? *std::move(request) : ChatRequest{};
}

void ExpectRejected(const std::string& extra, const std::string& param, const std::string& text = "") {
  SCOPED_TRACE(extra);
  ExpectBadParam(Parse(std::string(R"("model":"m",)") + kUser + "," + extra).status(), param, text);
}

void ExpectMessagesRejected(const std::string& messages, const std::string& param, const std::string& text = "") {
  SCOPED_TRACE(messages);
  ExpectBadParam(Parse(R"("model":"m","messages":)" + messages).status(), param, text);
}

TEST(ChatRequest, Defaults) {
  ChatRequest r = ParseOk("");
  EXPECT_EQ(r.model, "m");
  EXPECT_EQ(json::Serialize(r.prompt.messages), R"([{"role":"user","content":"hi"}])");
  EXPECT_TRUE(r.prompt.add_generation_prompt);
  EXPECT_FALSE(r.prompt.continue_final_message);
  EXPECT_TRUE(r.prompt.tools.IsNull());
  EXPECT_FALSE(r.prompt.ToolsEnabled());
  EXPECT_FALSE(r.sampling.max_tokens.has_value());  // chat: up to the context by default
  EXPECT_FALSE(r.logprobs);
  EXPECT_FALSE(r.add_special_tokens);
}

TEST(ChatRequest, MessagesAreNormalizedForTemplates) {
  auto r = Parse(R"("model":"m","messages":[
      {"role":"developer","content":"be brief"},
      {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],"name":"ann"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
        "function":{"name":"f","arguments":"{\"x\":1}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"42"},
      {"role":"assistant","content":"done","refusal":null}])");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(json::Serialize(r->prompt.messages),
            R"([{"role":"system","content":"be brief"},)"
            R"({"role":"user","content":"a\nb","name":"ann"},)"
            R"({"role":"assistant","content":"","tool_calls":[{"id":"call_1","type":"function",)"
            R"("function":{"name":"f","arguments":{"x":1}}}]},)"
            R"({"role":"tool","content":"42","tool_call_id":"call_1"},)"
            R"({"role":"assistant","content":"done"}])");
}

TEST(ChatRequest, MessageErrors) {
  ExpectBadParam(Parse(R"("model":"m")").status(), "messages", "Missing required parameter");
  ExpectMessagesRejected("[]", "messages", "at least one");
  ExpectMessagesRejected(R"("hi")", "messages", "expected an array");
  ExpectMessagesRejected(R"([5])", "messages[0]", "expected an object");
  ExpectMessagesRejected(R"([{"content":"x"}])", "messages[0].role", "Missing");
  ExpectMessagesRejected(R"([{"role":"wizard","content":"x"}])", "messages[0].role", "Invalid value");
  ExpectMessagesRejected(R"([{"role":"user"}])", "messages[0].content", "Missing");
  ExpectMessagesRejected(R"([{"role":"user","content":5}])", "messages[0].content");
  ExpectMessagesRejected(R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}])",
                         "messages[0].content[0]", "text only");
  ExpectMessagesRejected(R"([{"role":"user","content":[{"type":"text"}]}])", "messages[0].content[0].text");
  ExpectMessagesRejected(R"([{"role":"user","content":[{"type":"bogus"}]}])", "messages[0].content[0].type");
  ExpectMessagesRejected(R"([{"role":"tool","content":"x"}])", "messages[0].tool_call_id", "Missing");
  ExpectMessagesRejected(R"([{"role":"user","content":"x","name":3}])", "messages[0].name");
  ExpectMessagesRejected(R"([{"role":"user","content":"x","tool_calls":[]}])", "messages[0].tool_calls");
  ExpectMessagesRejected(R"([{"role":"assistant","content":"x","tool_calls":[{"type":"function"}]}])",
                         "messages[0].tool_calls[0].function");
}

TEST(ChatRequest, Tools) {
  ChatRequest r = ParseOk(R"("tools":[{"type":"function","function":{"name":"get_weather",)"
                          R"("description":"d","parameters":{"type":"object"}}}])");
  EXPECT_TRUE(r.prompt.ToolsEnabled());
  EXPECT_EQ(r.prompt.tools[0]["function"]["name"].GetString(), std::string("get_weather"));
  ChatRequest none = ParseOk(R"("tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none")");
  EXPECT_FALSE(none.prompt.ToolsEnabled());
  EXPECT_TRUE(ParseOk(R"("tool_choice":"auto","parallel_tool_calls":false)").prompt.tool_choice == ToolChoice::kAuto);

  ExpectRejected(R"("tools":{})", "tools", "expected an array");
  ExpectRejected(R"("tools":[{"type":"function"}])", "tools[0].function", "Missing");
  ExpectRejected(R"("tools":[{"type":"function","function":{"description":"x"}}])", "tools[0].function.name");
  ExpectRejected(R"("tools":[{"type":"retrieval","function":{"name":"f"}}])", "tools[0].type");
  ExpectRejected(R"("tools":[{"function":{"name":"f","extra":1}}])", "tools[0].function.extra", "Unrecognized");
  ExpectRejected(R"("tool_choice":"required")", "tool_choice", "not supported");
  ExpectRejected(R"("tool_choice":{"type":"function","function":{"name":"f"}})", "tool_choice", "not supported");
  ExpectRejected(R"("tool_choice":"maybe")", "tool_choice", "Invalid value");
  ExpectRejected(R"("tool_choice":1)", "tool_choice");
}

TEST(ChatRequest, ChatParameters) {
  ChatRequest r = ParseOk(R"("max_completion_tokens":9,"max_tokens":20,"logprobs":true,"top_logprobs":2,)"
                          R"("add_generation_prompt":false,"chat_template_kwargs":{"enable_thinking":false},)"
                          R"("add_special_tokens":true,"response_format":{"type":"text"},"n":2,"stop":["x"])");
  EXPECT_EQ(r.sampling.max_tokens, 9);  // max_completion_tokens wins
  EXPECT_EQ(r.sampling.max_tokens_param, "max_completion_tokens");
  EXPECT_TRUE(r.logprobs);
  EXPECT_EQ(r.top_logprobs, 2);
  EXPECT_FALSE(r.prompt.add_generation_prompt);
  EXPECT_FALSE(r.prompt.chat_template_kwargs["enable_thinking"].GetBool());
  EXPECT_TRUE(r.add_special_tokens);
  EXPECT_EQ(r.sampling.n, 2);
  EXPECT_EQ(ParseOk(R"("max_tokens":20)").sampling.max_tokens, 20);
  EXPECT_TRUE(ParseOk(R"("add_generation_prompt":false,"continue_final_message":true)").prompt.continue_final_message);

  ExpectRejected(R"("top_logprobs":2)", "top_logprobs", "logprobs");
  ExpectRejected(R"("logprobs":true,"top_logprobs":6)", "top_logprobs", "<= 5");
  ExpectRejected(R"("logprobs":2)", "logprobs", "expected a boolean");
  ExpectRejected(R"("max_completion_tokens":0)", "max_completion_tokens");
  ExpectRejected(R"("continue_final_message":true)", "continue_final_message", "add_generation_prompt");
  ExpectRejected(R"("response_format":{"type":"json_object"})", "response_format", "not supported yet");
  ExpectRejected(R"("response_format":{"type":"json_schema","json_schema":{}})", "response_format");
  ExpectRejected(R"("response_format":{"type":"yaml"})", "response_format.type");
  ExpectRejected(R"("chat_template_kwargs":[1])", "chat_template_kwargs");
  ExpectRejected(R"("best_of":2)", "best_of", "Unrecognized");
  ExpectRejected(R"("prompt":"x")", "prompt", "Unrecognized");
  ExpectRejected(R"("temperature":"0")", "temperature");
  ExpectRejected(R"("stream_options":{"include_usage":true})", "stream_options");
}

}  // namespace
}  // namespace basalt::gateway::openai
