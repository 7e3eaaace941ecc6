// Response and chunk JSON: exact OpenAI shapes for completions and chat, logprobs objects included.
#include "gateway/openai/chat_response.h"
#include "gateway/openai/completions_response.h"
#include "tests/gateway/test_util.h"

namespace basalt::gateway::openai {
namespace {

const ResponseMeta kMeta{"cmpl-abc", 1700000000, "tiny"};

v1::Token MakeToken(int id, const std::string& text, std::optional<float> logprob,
                    std::vector<std::pair<std::string, float>> top = {}) {
  v1::Token token;
  token.set_id(id);
  token.set_text(text);
  if (logprob) token.set_logprob(*logprob);
  for (const auto& [t, lp] : top) {
    v1::TopLogprob* alt = token.add_top_logprobs();
    alt->set_text(t);
    alt->set_logprob(lp);
  }
  return token;
}

TEST(CompletionsResponse, NonStreamingShape) {
  CompletionChoice a{0, "Hello", std::nullopt, "length"};
  CompletionChoice b{1, "Hi", std::nullopt, "stop"};
  Usage usage;
  usage.prompt_tokens = 3;
  usage.completion_tokens = 4;
  EXPECT_EQ(CompletionResponseJson(kMeta, {a, b}, usage),
            R"({"id":"cmpl-abc","object":"text_completion","created":1700000000,"model":"tiny","choices":[)"
            R"({"index":0,"text":"Hello","logprobs":null,"finish_reason":"length"},)"
            R"({"index":1,"text":"Hi","logprobs":null,"finish_reason":"stop"}],)"
            R"("usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}})");
}

TEST(CompletionsResponse, LogprobsObject) {
  CompletionLogprobs logprobs;
  logprobs.Add(MakeToken(1, "A", std::nullopt));  // first prompt token: no logprob
  logprobs.Add(MakeToken(2, "é", -0.5f, {{"é", -0.5f}, {"x", -1.5f}}));
  logprobs.Add(MakeToken(3, "b", -0.25f, {{"c", -0.125f}, {"c", -3.0f}}));
  logprobs.Add(MakeToken(4, "z", -std::numeric_limits<float>::infinity()));
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  logprobs.Write(w);
  // Offsets count code points ("é" is one); the sampled token leads each dict; duplicates keep their first
  // value; -inf becomes -9999.0.
  EXPECT_EQ(Finish(buffer),
            R"({"tokens":["A","é","b","z"],"token_logprobs":[null,-0.5,-0.25,-9999.0],)"
            R"("top_logprobs":[null,{"é":-0.5,"x":-1.5},{"b":-0.25,"c":-0.125},{"z":-9999.0}],)"
            R"("text_offset":[0,1,2,3]})");

  // A stream writes chunk by chunk; offsets keep counting.
  logprobs.Clear();
  EXPECT_TRUE(logprobs.empty());
  logprobs.Add(MakeToken(5, "next", -1.0f));
  rapidjson::StringBuffer again;
  JsonWriter w2(again);
  logprobs.Write(w2);
  EXPECT_NE(Finish(again).find(R"("text_offset":[4])"), std::string::npos) << Finish(again);
}

TEST(CompletionsResponse, StreamChunks) {
  EXPECT_EQ(CompletionChunkJson(kMeta, 2, "lo", nullptr, std::nullopt, false),
            R"({"id":"cmpl-abc","object":"text_completion","created":1700000000,"model":"tiny",)"
            R"("choices":[{"index":2,"text":"lo","logprobs":null,"finish_reason":null}]})");
  EXPECT_EQ(CompletionChunkJson(kMeta, 0, "", nullptr, std::string("stop"), true),
            R"({"id":"cmpl-abc","object":"text_completion","created":1700000000,"model":"tiny",)"
            R"("choices":[{"index":0,"text":"","logprobs":null,"finish_reason":"stop"}],"usage":null})");
  Usage usage;
  usage.prompt_tokens = 2;
  usage.completion_tokens = 5;
  EXPECT_EQ(CompletionUsageChunkJson(kMeta, usage),
            R"({"id":"cmpl-abc","object":"text_completion","created":1700000000,"model":"tiny","choices":[],)"
            R"("usage":{"prompt_tokens":2,"completion_tokens":5,"total_tokens":7}})");
}

TEST(ChatResponse, NonStreamingShape) {
  const ResponseMeta meta{"chatcmpl-x", 5, "tiny"};
  ChatChoice text{0, std::string("Hi!"), {}, std::nullopt, "stop"};
  ChatChoice call{1, std::nullopt, {ToolCall{"call_1", "f", R"({"a":1})"}}, std::nullopt, "tool_calls"};
  Usage usage;
  usage.prompt_tokens = 10;
  usage.completion_tokens = 2;
  EXPECT_EQ(ChatResponseJson(meta, {text, call}, usage),
            R"({"id":"chatcmpl-x","object":"chat.completion","created":5,"model":"tiny","choices":[)"
            R"({"index":0,"message":{"role":"assistant","content":"Hi!","refusal":null},"logprobs":null,)"
            R"("finish_reason":"stop"},)"
            R"({"index":1,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1",)"
            R"("type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"logprobs":null,)"
            R"("finish_reason":"tool_calls"}],)"
            R"("usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}})");
}

TEST(ChatResponse, LogprobsObject) {
  ChatLogprobs logprobs;
  logprobs.Add(MakeToken(1, "Hé", -0.5f, {{"Hé", -0.5f}, {"H", -2.0f}}));
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  logprobs.Write(w);
  EXPECT_EQ(Finish(buffer),
            R"({"content":[{"token":"Hé","logprob":-0.5,"bytes":[72,195,169],"top_logprobs":[)"
            R"({"token":"Hé","logprob":-0.5,"bytes":[72,195,169]},{"token":"H","logprob":-2.0,"bytes":[72]}]}],)"
            R"("refusal":null})");
}

TEST(ChatResponse, StreamChunks) {
  const ResponseMeta meta{"chatcmpl-x", 5, "tiny"};
  ChatDelta role;
  role.role = true;
  role.content = "";
  EXPECT_EQ(ChatChunkJson(meta, 0, role, nullptr, std::nullopt, false),
            R"({"id":"chatcmpl-x","object":"chat.completion.chunk","created":5,"model":"tiny","choices":[)"
            R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]})");
  EXPECT_EQ(ChatChunkJson(meta, 1, ChatDelta{}, nullptr, std::string("length"), true),
            R"({"id":"chatcmpl-x","object":"chat.completion.chunk","created":5,"model":"tiny","choices":[)"
            R"({"index":1,"delta":{},"logprobs":null,"finish_reason":"length"}],"usage":null})");
  std::vector<ToolCall> calls{ToolCall{"call_9", "g", "{}"}};
  ChatDelta tool;
  tool.tool_calls = &calls;
  EXPECT_EQ(ChatChunkJson(meta, 0, tool, nullptr, std::nullopt, false),
            R"({"id":"chatcmpl-x","object":"chat.completion.chunk","created":5,"model":"tiny","choices":[)"
            R"({"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_9","type":"function","function":)"
            R"({"name":"g","arguments":"{}"}}]},"logprobs":null,"finish_reason":null}]})");
  EXPECT_EQ(ChatUsageChunkJson(meta, Usage{}),
            R"({"id":"chatcmpl-x","object":"chat.completion.chunk","created":5,"model":"tiny","choices":[],)"
            R"("usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}})");
}

TEST(ResponseCommon, FinishReasons) {
  EXPECT_EQ(FinishReasonString(v1::FINISH_REASON_EOS), "stop");
  EXPECT_EQ(FinishReasonString(v1::FINISH_REASON_STOP_STRING), "stop");
  EXPECT_EQ(FinishReasonString(v1::FINISH_REASON_LENGTH), "length");
  EXPECT_FALSE(FinishReasonString(v1::FINISH_REASON_UNSPECIFIED).has_value());
  EXPECT_FALSE(FinishReasonString(v1::FINISH_REASON_CANCELLED).has_value());
  EXPECT_EQ(CodePoints("aé🌍"), 3u);
  EXPECT_EQ(JsonLogprob(std::nan("")), -9999.0);
}

}  // namespace
}  // namespace basalt::gateway::openai
