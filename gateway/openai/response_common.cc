#include "gateway/openai/response_common.h"

#include <cmath>

namespace basalt::gateway::openai {

std::optional<std::string> FinishReasonString(v1::FinishReason reason) {
  switch (reason) {
    case v1::FINISH_REASON_EOS:
    case v1::FINISH_REASON_STOP_STRING:
      return "stop";
    case v1::FINISH_REASON_LENGTH:
      return "length";
    default:
      return std::nullopt;
  }
}

std::string UpdateText(const v1::ChoiceUpdate& update, bool include_stop_str) {
  std::string text = update.text();
  if (include_stop_str && update.finish_reason() == v1::FINISH_REASON_STOP_STRING) text += update.stop_string();
  return text;
}

double JsonLogprob(double logprob) {
  if (std::isnan(logprob) || logprob < -9999.0) return -9999.0;
  return logprob;
}

size_t CodePoints(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

void WriteString(JsonWriter& w, absl::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void WriteMetaMembers(JsonWriter& w, const ResponseMeta& meta, absl::string_view object) {
  w.Key("id");
  WriteString(w, meta.id);
  w.Key("object");
  WriteString(w, object);
  w.Key("created");
  w.Int64(meta.created);
  w.Key("model");
  WriteString(w, meta.model);
}

void WriteUsageMember(JsonWriter& w, const Usage& usage) {
  w.Key("usage");
  w.StartObject();
  w.Key("prompt_tokens");
  w.Uint64(usage.prompt_tokens);
  w.Key("completion_tokens");
  w.Uint64(usage.completion_tokens);
  w.Key("total_tokens");
  w.Uint64(usage.prompt_tokens + usage.completion_tokens);
  w.EndObject();
}

std::string Finish(const rapidjson::StringBuffer& buffer) { return std::string(buffer.GetString(), buffer.GetSize()); }

namespace {

enum class UsageMember { kUsage, kNull, kNone };

std::string Envelope(const ResponseMeta& meta, absl::string_view object, UsageMember usage_member, const Usage& usage,
                     const std::function<void(JsonWriter&)>& write_choices) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteMetaMembers(w, meta, object);
  w.Key("choices");
  w.StartArray();
  write_choices(w);
  w.EndArray();
  if (usage_member == UsageMember::kUsage) WriteUsageMember(w, usage);
  if (usage_member == UsageMember::kNull) {
    w.Key("usage");
    w.Null();
  }
  w.EndObject();
  return Finish(buffer);
}

}  // namespace

std::string ResponseJson(const ResponseMeta& meta, absl::string_view object, const Usage& usage,
                         const std::function<void(JsonWriter&)>& write_choices) {
  return Envelope(meta, object, UsageMember::kUsage, usage, write_choices);
}

std::string ChunkJson(const ResponseMeta& meta, absl::string_view object, bool usage_null,
                      const std::function<void(JsonWriter&)>& write_choice) {
  return Envelope(meta, object, usage_null ? UsageMember::kNull : UsageMember::kNone, Usage{}, write_choice);
}

std::string UsageChunkJson(const ResponseMeta& meta, absl::string_view object, const Usage& usage) {
  return ResponseJson(meta, object, usage, [](JsonWriter&) {});
}

}  // namespace basalt::gateway::openai
