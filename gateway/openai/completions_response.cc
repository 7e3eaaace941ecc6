#include "gateway/openai/completions_response.h"

#include <set>

namespace basalt::gateway::openai {
namespace {

constexpr absl::string_view kObject = "text_completion";

void WriteChoice(JsonWriter& w, uint32_t index, absl::string_view text, const CompletionLogprobs* logprobs,
                 const std::optional<std::string>& finish_reason) {
  w.StartObject();
  w.Key("index");
  w.Uint(index);
  w.Key("text");
  WriteString(w, text);
  w.Key("logprobs");
  if (logprobs != nullptr) logprobs->Write(w); else w.Null();
  w.Key("finish_reason");
  if (finish_reason) WriteString(w, *finish_reason); else w.Null();
  w.EndObject();
}

}  // namespace

void CompletionLogprobs::Add(const v1::Token& token) {
  Entry entry;
  entry.token = token.text();
  entry.text_offset = text_offset_;
  text_offset_ += CodePoints(token.text());
  if (token.has_logprob()) {
    entry.logprob = JsonLogprob(token.logprob());
    // A dict: the sampled token first, then the alternatives; equal texts keep their first logprob.
    std::set<std::string> seen{entry.token};
    entry.top.emplace_back(entry.token, *entry.logprob);
    for (const v1::TopLogprob& alt : token.top_logprobs()) {
      if (seen.insert(alt.text()).second) entry.top.emplace_back(alt.text(), JsonLogprob(alt.logprob()));
    }
  }
  entries_.push_back(std::move(entry));
}

void CompletionLogprobs::Write(JsonWriter& w) const {
  w.StartObject();
  w.Key("tokens");
  w.StartArray();
  for (const Entry& e : entries_) WriteString(w, e.token);
  w.EndArray();
  w.Key("token_logprobs");
  w.StartArray();
  for (const Entry& e : entries_) {
    if (e.logprob) w.Double(*e.logprob); else w.Null();
  }
  w.EndArray();
  w.Key("top_logprobs");
  w.StartArray();
  for (const Entry& e : entries_) {
    if (!e.logprob) {
      w.Null();
      continue;
    }
    w.StartObject();
    for (const auto& [text, logprob] : e.top) {
      WriteString(w, text);
      w.Double(logprob);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("text_offset");
  w.StartArray();
  for (const Entry& e : entries_) w.Uint64(e.text_offset);
  w.EndArray();
  w.EndObject();
}

std::string CompletionResponseJson(const ResponseMeta& meta, const std::vector<CompletionChoice>& choices,
                                   const Usage& usage) {
  return ResponseJson(meta, kObject, usage, [&](JsonWriter& w) {
    for (const CompletionChoice& c : choices) {
      WriteChoice(w, c.index, c.text, c.logprobs ? &*c.logprobs : nullptr, c.finish_reason);
    }
  });
}

std::string CompletionChunkJson(const ResponseMeta& meta, uint32_t index, absl::string_view text,
                                const CompletionLogprobs* logprobs, const std::optional<std::string>& finish_reason,
                                bool usage_null) {
  return ChunkJson(meta, kObject, usage_null,
                   [&](JsonWriter& w) { WriteChoice(w, index, text, logprobs, finish_reason); });
}

std::string CompletionUsageChunkJson(const ResponseMeta& meta, const Usage& usage) {
  return UsageChunkJson(meta, kObject, usage);
}

}  // namespace basalt::gateway::openai
