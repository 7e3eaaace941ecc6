// Hermes / Qwen <tool_call> parsing, whole and streamed.
#include "gateway/openai/tool_call_parser.h"

#include "gtest/gtest.h"

namespace basalt::gateway::openai {
namespace {

TEST(ParseToolCalls, PlainTextIsContent) {
  ParsedToolCalls parsed = ParseToolCalls("The weather is nice.");
  EXPECT_EQ(parsed.content, "The weather is nice.");
  EXPECT_TRUE(parsed.calls.empty());
}

TEST(ParseToolCalls, OneCall) {
  ParsedToolCalls parsed =
      ParseToolCalls("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>");
  EXPECT_FALSE(parsed.content.has_value());
  ASSERT_EQ(parsed.calls.size(), 1u);
  EXPECT_EQ(parsed.calls[0].name, "get_weather");
  EXPECT_EQ(parsed.calls[0].arguments, R"({"city":"Paris"})");
  EXPECT_EQ(parsed.calls[0].id.rfind("call_", 0), 0u);
  EXPECT_EQ(parsed.calls[0].id.size(), 5u + 24u);
}

TEST(ParseToolCalls, TextBeforeAndSeveralCalls) {
  ParsedToolCalls parsed = ParseToolCalls(
      "Let me check.\n<tool_call>{\"name\":\"a\",\"arguments\":{}}</tool_call>\n"
      "<tool_call>{\"name\":\"b\",\"arguments\":\"{\\\"k\\\":1}\"}</tool_call>");
  EXPECT_EQ(parsed.content, "Let me check.\n");
  ASSERT_EQ(parsed.calls.size(), 2u);
  EXPECT_EQ(parsed.calls[0].name, "a");
  EXPECT_EQ(parsed.calls[0].arguments, "{}");
  EXPECT_EQ(parsed.calls[1].name, "b");
  EXPECT_EQ(parsed.calls[1].arguments, R"({"k":1})");  // a string stays as the model wrote it
  EXPECT_NE(parsed.calls[0].id, parsed.calls[1].id);
}

TEST(ParseToolCalls, MissingArgumentsAndUnterminatedCall) {
  ParsedToolCalls parsed = ParseToolCalls("<tool_call>{\"name\":\"now\"}");
  ASSERT_EQ(parsed.calls.size(), 1u);
  EXPECT_EQ(parsed.calls[0].arguments, "{}");
  ParsedToolCalls params = ParseToolCalls("<tool_call>{\"name\":\"f\",\"parameters\":{\"a\":[1]}}</tool_call>");
  ASSERT_EQ(params.calls.size(), 1u);
  EXPECT_EQ(params.calls[0].arguments, R"({"a":[1]})");
}

TEST(ParseToolCalls, InvalidJsonMeansNoCalls) {
  const std::string text = "ok <tool_call>{\"name\": \"f\", \"arguments\": {</tool_call>";
  ParsedToolCalls parsed = ParseToolCalls(text);
  EXPECT_TRUE(parsed.calls.empty());
  EXPECT_EQ(parsed.content, text);
  EXPECT_TRUE(ParseToolCalls("<tool_call>{\"arguments\":{}}</tool_call>").calls.empty());  // no name
  EXPECT_TRUE(ParseToolCalls("<tool_call>[1]</tool_call>").calls.empty());
}

TEST(ToolCallStreamFilter, ContentFlowsAndPossibleStartIsHeld) {
  ToolCallStreamFilter filter;
  EXPECT_EQ(filter.Add("Hello "), "Hello ");
  EXPECT_EQ(filter.Add("wor"), "wor");
  EXPECT_EQ(filter.Add("ld <tool"), "ld ");  // "<tool" may begin "<tool_call>"
  EXPECT_EQ(filter.Add("s are fun"), "<tools are fun");
  ParsedToolCalls rest = filter.Finish();
  EXPECT_FALSE(rest.content.has_value());
  EXPECT_TRUE(rest.calls.empty());
}

TEST(ToolCallStreamFilter, HeldTextComesOutAtFinish) {
  ToolCallStreamFilter filter;
  EXPECT_EQ(filter.Add("a <tool_"), "a ");
  ParsedToolCalls rest = filter.Finish();
  EXPECT_EQ(rest.content, "<tool_");
}

TEST(ToolCallStreamFilter, CallSplitAcrossDeltas) {
  ToolCallStreamFilter filter;
  std::string content;
  for (const char* delta : {"Sure.", "<tool", "_call>{\"name\":", " \"get_weather\", \"arguments\": {\"city\"",
                            ": \"Paris\"}}</tool_call>"}) {
    content += filter.Add(delta);
  }
  EXPECT_EQ(content, "Sure.");
  ParsedToolCalls rest = filter.Finish();
  EXPECT_FALSE(rest.content.has_value());
  ASSERT_EQ(rest.calls.size(), 1u);
  EXPECT_EQ(rest.calls[0].name, "get_weather");
  EXPECT_EQ(rest.calls[0].arguments, R"({"city":"Paris"})");
}

TEST(ToolCallStreamFilter, BrokenCallBecomesContent) {
  ToolCallStreamFilter filter;
  EXPECT_EQ(filter.Add("x<tool_call>{oops"), "x");
  ParsedToolCalls rest = filter.Finish();
  EXPECT_TRUE(rest.calls.empty());
  EXPECT_EQ(rest.content, "<tool_call>{oops");
}

}  // namespace
}  // namespace basalt::gateway::openai
