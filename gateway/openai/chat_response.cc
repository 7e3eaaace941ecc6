#include "gateway/openai/chat_response.h"

namespace basalt::gateway::openai {
namespace {

constexpr absl::string_view kObject = "chat.completion";
constexpr absl::string_view kChunkObject = "chat.completion.chunk";

void WriteBytes(JsonWriter& w, absl::string_view text) {
  w.Key("bytes");
  w.StartArray();
  for (unsigned char c : text) w.Uint(c);
  w.EndArray();
}

// tool_calls as OpenAI writes them; in stream deltas each call also has its "index".
void WriteToolCalls(JsonWriter& w, const std::vector<ToolCall>& calls, bool with_index) {
  w.Key("tool_calls");
  w.StartArray();
  for (size_t i = 0; i < calls.size(); ++i) {
    w.StartObject();
    if (with_index) {
      w.Key("index");
      w.Uint64(i);
    }
    w.Key("id");
    WriteString(w, calls[i].id);
    w.Key("type");
    w.String("function");
    w.Key("function");
    w.StartObject();
    w.Key("name");
    WriteString(w, calls[i].name);
    w.Key("arguments");
    WriteString(w, calls[i].arguments);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
}

void WriteLogprobsMember(JsonWriter& w, const ChatLogprobs* logprobs) {
  w.Key("logprobs");
  if (logprobs != nullptr) logprobs->Write(w); else w.Null();
}

void WriteFinishReason(JsonWriter& w, const std::optional<std::string>& finish_reason) {
  w.Key("finish_reason");
  if (finish_reason) WriteString(w, *finish_reason); else w.Null();
}

}  // namespace

void ChatLogprobs::Add(const v1::Token& token) {
  Entry entry;
  entry.token = token.text();
  entry.logprob = JsonLogprob(token.has_logprob() ? token.logprob() : 0.0);
  for (const v1::TopLogprob& alt : token.top_logprobs()) entry.top.emplace_back(alt.text(), JsonLogprob(alt.logprob()));
  entries_.push_back(std::move(entry));
}

void ChatLogprobs::Write(JsonWriter& w) const {
  w.StartObject();
  w.Key("content");
  w.StartArray();
  for (const Entry& e : entries_) {
    w.StartObject();
    w.Key("token");
    WriteString(w, e.token);
    w.Key("logprob");
    w.Double(e.logprob);
    WriteBytes(w, e.token);
    w.Key("top_logprobs");
    w.StartArray();
    for (const auto& [text, logprob] : e.top) {
      w.StartObject();
      w.Key("token");
      WriteString(w, text);
      w.Key("logprob");
      w.Double(logprob);
      WriteBytes(w, text);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("refusal");
  w.Null();
  w.EndObject();
}

std::string ChatResponseJson(const ResponseMeta& meta, const std::vector<ChatChoice>& choices, const Usage& usage) {
  return ResponseJson(meta, kObject, usage, [&](JsonWriter& w) {
    for (const ChatChoice& c : choices) {
      w.StartObject();
      w.Key("index");
      w.Uint(c.index);
      w.Key("message");
      w.StartObject();
      w.Key("role");
      w.String("assistant");
      w.Key("content");
      if (c.content) WriteString(w, *c.content); else w.Null();
      w.Key("refusal");
      w.Null();
      if (!c.tool_calls.empty()) WriteToolCalls(w, c.tool_calls, /*with_index=*/false);
      w.EndObject();
      WriteLogprobsMember(w, c.logprobs ? &*c.logprobs : nullptr);
      WriteFinishReason(w, c.finish_reason);
      w.EndObject();
    }
  });
}

std::string ChatChunkJson(const ResponseMeta& meta, uint32_t index, const ChatDelta& delta,
                          const ChatLogprobs* logprobs, const std::optional<std::string>& finish_reason,
                          bool usage_null) {
  return ChunkJson(meta, kChunkObject, usage_null, [&](JsonWriter& w) {
    w.StartObject();
    w.Key("index");
    w.Uint(index);
    w.Key("delta");
    w.StartObject();
    if (delta.role) {
      w.Key("role");
      w.String("assistant");
    }
    if (delta.content) {
      w.Key("content");
      WriteString(w, *delta.content);
    }
    if (delta.tool_calls != nullptr && !delta.tool_calls->empty()) {
      WriteToolCalls(w, *delta.tool_calls, /*with_index=*/true);
    }
    w.EndObject();
    WriteLogprobsMember(w, logprobs);
    WriteFinishReason(w, finish_reason);
    w.EndObject();
  });
}

std::string ChatUsageChunkJson(const ResponseMeta& meta, const Usage& usage) {
  return UsageChunkJson(meta, kChunkObject, usage);
}

}  // namespace basalt::gateway::openai
