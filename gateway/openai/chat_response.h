#pragma once
// /v1/chat/completions responses: the chat.completion object, chat.completion.chunk stream chunks and
// the chat logprobs object {content: [{token, logprob, bytes, top_logprobs}], refusal}.
#include <optional>
#include <string>
#include <vector>

#include "basalt/v1/worker.pb.h"
#include "gateway/openai/response_common.h"
#include "gateway/openai/tool_call_parser.h"

namespace basalt::gateway::openai {

class ChatLogprobs {
 public:
  void Add(const v1::Token& token);
  bool empty() const { return entries_.empty(); }
  void Clear() { entries_.clear(); }
  void Append(const ChatLogprobs& other) { entries_.insert(entries_.end(), other.entries_.begin(), other.entries_.end()); }
  void Write(JsonWriter& w) const;

 private:
  struct Entry {
    std::string token;
    double logprob = 0;
    std::vector<std::pair<std::string, double>> top;
  };
  std::vector<Entry> entries_;
};

struct ChatChoice {
  uint32_t index = 0;
  std::optional<std::string> content;
  std::vector<ToolCall> tool_calls;
  std::optional<ChatLogprobs> logprobs;
  std::optional<std::string> finish_reason;  // "tool_calls" when tool_calls is not empty
};

std::string ChatResponseJson(const ResponseMeta& meta, const std::vector<ChatChoice>& choices, const Usage& usage);

// The delta of one stream chunk.
struct ChatDelta {
  bool role = false;                   // "role": "assistant" (first chunk of a choice)
  std::optional<std::string> content;  // "content"
  const std::vector<ToolCall>* tool_calls = nullptr;
};

std::string ChatChunkJson(const ResponseMeta& meta, uint32_t index, const ChatDelta& delta,
                          const ChatLogprobs* logprobs, const std::optional<std::string>& finish_reason,
                          bool usage_null);

std::string ChatUsageChunkJson(const ResponseMeta& meta, const Usage& usage);

}  // namespace basalt::gateway::openai
