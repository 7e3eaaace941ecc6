// Real chat templates (tests/fixtures/chat_templates) x conversations in the Hugging Face message format:
// the engine must render every case byte-for-byte like Python jinja2 configured as transformers does.
// The same cases go through @huggingface/jinja, and its disagreements with Python must match the list in
// hf_jinja_differences.txt (so the list stays true as either side changes).
#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

#include "common/json/json.h"
#include "gtest/gtest.h"
#include "tests/common/chat/reference_render.h"

namespace basalt::chat::testing {
namespace {

constexpr const char* kTools = R"([
  {"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city.",
   "parameters": {"type": "object", "properties": {
     "city": {"type": "string", "description": "City name, e.g. Paris"},
     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"}},
     "required": ["city"]}}},
  {"type": "function", "function": {"name": "search", "description": "Search the web.",
   "parameters": {"type": "object", "properties": {"query": {"type": "string"}, "max_results": {"type": "integer", "default": 5}},
     "required": ["query"]}}}])";

struct Conversation {
  const char* name;
  const char* messages;
  bool tools;
  bool add_generation_prompt;
  const char* extra = "";  // more context members, e.g. ,"enable_thinking": false
  const char* documents = "null";
};

const Conversation kConversations[] = {
    {"single_turn", R"([{"role": "user", "content": "Hello!"}])", false, true},
    {"single_turn_no_generation_prompt", R"([{"role": "user", "content": "Hello!"}])", false, false},
    {"system_multi_turn", R"([{"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4."},
      {"role": "user", "content": "And 3+3?"}])", false, true},
    {"ends_with_assistant", R"([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."},
      {"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Goodbye!"}])", false, false},
    {"whitespace_and_unicode", R"([{"role": "system", "content": "  Système: réponds en français.\n"},
      {"role": "user", "content": "  Héllo 😀 \"quotes\" \\back\\slash <b>&amp;</b>\n\tindented  "},
      {"role": "assistant", "content": "日本語の応答\n"}, {"role": "user", "content": "{{ not a template }} {% raw %}"}])",
     false, true},
    {"tools_available", R"([{"role": "system", "content": "Use tools when helpful."},
      {"role": "user", "content": "Weather in Paris?"}])", true, true},
    {"tools_without_system", R"([{"role": "user", "content": "Search for jinja."}])", true, true},
    {"tool_calls_hf_style", R"([{"role": "user", "content": "Weather in Paris?"},
      {"role": "assistant", "tool_calls": [{"id": "call12345", "type": "function",
        "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
      {"role": "tool", "tool_call_id": "call12345", "name": "get_weather", "content": "22°C, sunny"},
      {"role": "assistant", "content": "It is 22°C and sunny in Paris."},
      {"role": "user", "content": "Thanks"}])", true, true},
    {"tool_calls_openai_style", R"([{"role": "system", "content": "sys"}, {"role": "user", "content": "Find two things"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call00001", "type": "function", "function": {"name": "search", "arguments": "{\"query\": \"a\"}"}},
        {"id": "call00002", "type": "function", "function": {"name": "search", "arguments": "{\"query\": \"b\"}"}}]},
      {"role": "tool", "tool_call_id": "call00001", "content": "result a"},
      {"role": "tool", "tool_call_id": "call00002", "content": "result b"}])", true, true},
    {"content_parts", R"([{"role": "system", "content": [{"type": "text", "text": "Be brief."}]},
      {"role": "user", "content": [{"type": "text", "text": "Describe"}, {"type": "text", "text": " this."}]}])",
     false, true},
    {"reasoning_in_history", R"([{"role": "user", "content": "2+2?"},
      {"role": "assistant", "content": "<think>\nSimple sum.\n</think>\n\nIt is 4."},
      {"role": "user", "content": "3+3?"},
      {"role": "assistant", "content": "6", "reasoning_content": "Add them."},
      {"role": "user", "content": "4+4?"}])", false, true},
    {"thinking_disabled", R"([{"role": "user", "content": "Quick answer please."}])", false, true,
     R"(, "enable_thinking": false)"},
    {"long_conversation", R"([{"role": "system", "content": "s"},
      {"role": "user", "content": "u1"}, {"role": "assistant", "content": "a1"},
      {"role": "user", "content": "u2"}, {"role": "assistant", "content": "a2"},
      {"role": "user", "content": "u3"}, {"role": "assistant", "content": "a3"},
      {"role": "user", "content": "u4"}, {"role": "assistant", "content": "a4"},
      {"role": "user", "content": "u5"}, {"role": "assistant", "content": "a5"},
      {"role": "user", "content": "u6"}])", false, true},
    {"with_documents", R"([{"role": "user", "content": "Summarize the documents."}])", false, true, "",
     R"([{"title": "Doc A", "text": "Alpha."}, {"title": "Doc B", "text": "Beta (2024)."}])"},
    {"empty_messages", "[]", false, true},
    {"consecutive_user_messages", R"([{"role": "user", "content": "one"}, {"role": "user", "content": "two"}])", false,
     true},
};

// Special tokens transformers passes as variables; null ones are not passed at all.
std::string TokenMembers(const std::string& template_name) {
  auto doc = json::Parse(ReadTestFile(ChatTemplateFixtureDir() + "/special_tokens.json"));
  EXPECT_TRUE(doc.ok());
  std::string members;
  if (!doc.ok() || !doc->HasMember(template_name.c_str())) return members;
  for (const char* key : {"bos_token", "eos_token"}) {
    const auto& value = (*doc)[template_name.c_str()][key];
    if (value.IsString()) members += std::string(", \"") + key + "\": " + json::Serialize(value);
  }
  return members;
}

std::vector<RenderCase> CasesFor(const std::string& template_name) {
  std::string source = ReadTestFile(ChatTemplateFixtureDir() + "/" + template_name + ".jinja");
  EXPECT_FALSE(source.empty()) << template_name;
  std::string tokens = TokenMembers(template_name);
  std::vector<RenderCase> cases;
  for (const Conversation& c : kConversations) {
    // transformers always passes tools and documents (None when absent).
    std::string context = std::string("{\"messages\": ") + c.messages + ", \"tools\": " + (c.tools ? kTools : "null") +
                          ", \"documents\": " + c.documents + ", \"add_generation_prompt\": " +
                          (c.add_generation_prompt ? "true" : "false") + tokens + c.extra + "}";
    cases.push_back({template_name + "/" + c.name, source, context});
  }
  return cases;
}

std::set<std::string> KnownHfJinjaDifferences(const std::string& template_name) {
  std::istringstream lines(ReadTestFile(ChatTemplateFixtureDir() + "/hf_jinja_differences.txt"));
  std::set<std::string> out;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::string id = line.substr(0, line.find(' '));
    if (id.rfind(template_name + "/", 0) == 0) out.insert(id);
  }
  return out;
}

class RealTemplateTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RealTemplateTest, MatchesPythonJinja2) { ExpectMatchesPython(CasesFor(GetParam())); }

TEST_P(RealTemplateTest, HfJinjaDifferencesAreKnown) {
  std::vector<RenderCase> cases = CasesFor(GetParam());
  std::vector<RenderResult> python = RenderWithPython(cases);
  std::vector<RenderResult> hf = RenderWithHfJinja(cases);
  ASSERT_EQ(python.size(), cases.size());
  ASSERT_EQ(hf.size(), cases.size());
  std::set<std::string> differing;
  std::string details;
  for (size_t i = 0; i < cases.size(); ++i) {
    bool same = python[i].ok == hf[i].ok && (!python[i].ok || python[i].text == hf[i].text);
    if (same) continue;
    differing.insert(cases[i].name);
    details += "\n" + cases[i].name + "\n  python" + (python[i].ok ? ": " : " error: ") +
               ::testing::PrintToString(python[i].text) + "\n  hf    " + (hf[i].ok ? ": " : " error: ") +
               ::testing::PrintToString(hf[i].text);
  }
  std::cout << "[@huggingface/jinja] " << GetParam() << ": " << cases.size() - differing.size() << "/" << cases.size()
            << " cases agree with Python jinja2\n";
  EXPECT_EQ(differing, KnownHfJinjaDifferences(GetParam()))
      << "update tests/fixtures/chat_templates/hf_jinja_differences.txt; the differing cases:" << details;
}

INSTANTIATE_TEST_SUITE_P(Templates, RealTemplateTest,
                         ::testing::Values("chatglm3", "deepseek_v3", "gemma3", "gpt4", "internlm2", "llama3",
                                           "llama3_1", "mistral_nemo", "qwen2_5", "qwen3", "command_r7b",
                                           "mistral_small_3_1", "glm4_6"));

}  // namespace
}  // namespace basalt::chat::testing
