#pragma once
// Tool calls in the Hermes / Qwen format: the model writes
//   <tool_call>
//   {"name": "get_weather", "arguments": {"city": "Paris"}}
//   </tool_call>
// (possibly several, possibly after some text). Parsed as vLLM's hermes parser does: the text before the
// first <tool_call> is the content; if any call is not valid JSON with a string "name", nothing is a tool
// call and the whole text is content.
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace basalt::gateway::openai {

struct ToolCall {
  std::string id;         // "call_" + random
  std::string name;
  std::string arguments;  // JSON text of the arguments object
};

struct ParsedToolCalls {
  std::optional<std::string> content;  // nullopt when only whitespace precedes the calls
  std::vector<ToolCall> calls;
};

ParsedToolCalls ParseToolCalls(absl::string_view text);

// Streaming: passes content through as it comes, holding back text that may begin "<tool_call>", and
// keeps everything from the first "<tool_call>" until Finish() decides whether it was a tool call.
class ToolCallStreamFilter {
 public:
  // Returns the content that can be sent now.
  std::string Add(absl::string_view delta);
  // Returns the content still to send (held-back text, or the would-be tool call text when it did not
  // parse) and the calls (empty when none).
  ParsedToolCalls Finish();

 private:
  std::string text_;     // everything seen
  size_t sent_ = 0;      // bytes of text_ already returned as content
  bool in_call_ = false; // a "<tool_call>" was seen at text_[sent_]
};

}  // namespace basalt::gateway::openai
