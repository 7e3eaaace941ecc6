#pragma once
// Pieces shared by the completions and chat response formats.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "basalt/v1/worker.pb.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace basalt::gateway::openai {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// What every response object and chunk of one request repeats.
struct ResponseMeta {
  std::string id;       // "cmpl-..." / "chatcmpl-..."
  int64_t created = 0;  // unix seconds
  std::string model;    // the name the client asked for
};

struct Usage {
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  void Add(const v1::Usage& usage) {
    prompt_tokens += usage.prompt_tokens();
    completion_tokens += usage.completion_tokens();
  }
};

// "stop" (EOS or stop string), "length"; nullopt while unfinished (and for a cancelled choice).
std::optional<std::string> FinishReasonString(v1::FinishReason reason);

// The new text of a choice update; with `include_stop_str` (vLLM's include_stop_str_in_output) the stop
// string that ended it is kept.
std::string UpdateText(const v1::ChoiceUpdate& update, bool include_stop_str);

// OpenAI sends -9999.0 for impossible tokens; JSON has no -Infinity (nor NaN).
double JsonLogprob(double logprob);

// Length of UTF-8 text in code points (the unit of completions' text_offset, as in vLLM).
size_t CodePoints(absl::string_view text);

void WriteString(JsonWriter& w, absl::string_view s);
// Writes "id", "object", "created", "model" members.
void WriteMetaMembers(JsonWriter& w, const ResponseMeta& meta, absl::string_view object);
// Writes the "usage" member: {"prompt_tokens","completion_tokens","total_tokens"}.
void WriteUsageMember(JsonWriter& w, const Usage& usage);
std::string Finish(const rapidjson::StringBuffer& buffer);

// The two envelopes: {id, object, created, model, choices: [...], usage} for a whole response, and
// {id, object, created, model, choices: [one choice], "usage": null if usage_null} for a stream chunk.
// `write_choices` writes the elements of "choices".
std::string ResponseJson(const ResponseMeta& meta, absl::string_view object, const Usage& usage,
                         const std::function<void(JsonWriter&)>& write_choices);
std::string ChunkJson(const ResponseMeta& meta, absl::string_view object, bool usage_null,
                      const std::function<void(JsonWriter&)>& write_choice);

// The last chunk of a stream with stream_options.include_usage: "choices": [] and the usage.
std::string UsageChunkJson(const ResponseMeta& meta, absl::string_view object, const Usage& usage);

}  // namespace basalt::gateway::openai
