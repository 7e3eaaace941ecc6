#pragma once
// POST /v1/chat/completions: the request, parsed and validated in one function. Messages are normalized
// for chat templates on the way (content parts joined, `developer` read as `system`, tool-call arguments
// parsed into objects, as vLLM hands them to templates).
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/openai/field_reader.h"
#include "gateway/openai/limits.h"
#include "gateway/openai/sampling_request.h"
#include "rapidjson/document.h"

namespace basalt::gateway::openai {

enum class ToolChoice { kAuto, kNone };

// What the chat template needs: shared by /v1/chat/completions and the chat form of /tokenize.
struct ChatPromptRequest {
  rapidjson::Document messages;              // array of normalized messages
  rapidjson::Document tools;                 // array, or null when none were given
  ToolChoice tool_choice = ToolChoice::kAuto;
  bool add_generation_prompt = true;
  bool continue_final_message = false;
  rapidjson::Document chat_template_kwargs;  // object, or null
  // Tools are given to the template and tool calls parsed from the output.
  bool ToolsEnabled() const { return tools.IsArray() && !tools.Empty() && tool_choice != ToolChoice::kNone; }
};

struct ChatRequest {
  std::string model;
  ChatPromptRequest prompt;
  SamplingRequest sampling;
  bool logprobs = false;
  int64_t top_logprobs = 0;
  // Tokenize the rendered prompt with the tokenizer's special tokens (vLLM extension; the template
  // usually has them already).
  bool add_special_tokens = false;
};

// Validates every field's type and range (400 naming `param` on the first problem).
absl::StatusOr<ChatRequest> ParseChatRequest(const rapidjson::Value& body, const Limits& limits);

// Reads messages, tools, tool_choice, add_generation_prompt, continue_final_message and
// chat_template_kwargs from `reader` (errors are recorded there).
void ReadChatPromptFields(FieldReader& reader, ChatPromptRequest* out);

}  // namespace basalt::gateway::openai
