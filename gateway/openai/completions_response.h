#pragma once
// /v1/completions responses: the text_completion object, its stream chunks and the legacy logprobs
// object {tokens, token_logprobs, top_logprobs, text_offset}.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "basalt/v1/worker.pb.h"
#include "gateway/openai/response_common.h"

namespace basalt::gateway::openai {

// The logprobs of one choice, in the completions format. Keeps the running text offset, so a stream
// can write and Clear() it chunk by chunk.
class CompletionLogprobs {
 public:
  // Appends one token: its text, logprob (absent for the first prompt token: null), and a dict of the
  // sampled token plus its top alternatives (as OpenAI: up to logprobs + 1 entries).
  void Add(const v1::Token& token);
  bool empty() const { return entries_.empty(); }
  void Clear() { entries_.clear(); }
  void Write(JsonWriter& w) const;

 private:
  struct Entry {
    std::string token;
    std::optional<double> logprob;
    std::vector<std::pair<std::string, double>> top;  // empty with no logprob: null
    size_t text_offset = 0;
  };
  std::vector<Entry> entries_;
  size_t text_offset_ = 0;
};

struct CompletionChoice {
  uint32_t index = 0;
  std::string text;
  std::optional<CompletionLogprobs> logprobs;
  std::optional<std::string> finish_reason;
};

// The non-streaming response.
std::string CompletionResponseJson(const ResponseMeta& meta, const std::vector<CompletionChoice>& choices,
                                   const Usage& usage);

// One stream chunk carrying one choice's new text (and logprobs, finish_reason when set). With
// `usage_null` the chunk has "usage": null (stream_options.include_usage).
std::string CompletionChunkJson(const ResponseMeta& meta, uint32_t index, absl::string_view text,
                                const CompletionLogprobs* logprobs, const std::optional<std::string>& finish_reason,
                                bool usage_null);

// The final usage chunk of a stream with include_usage: "choices": [].
std::string CompletionUsageChunkJson(const ResponseMeta& meta, const Usage& usage);

}  // namespace basalt::gateway::openai
