#pragma once
// POST /v1/completions: the request, parsed and validated in one function.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "gateway/openai/limits.h"
#include "gateway/openai/sampling_request.h"
#include "rapidjson/document.h"

namespace basalt::gateway::openai {

// One prompt: text (tokenized by the gateway) or token ids (used as they are).
struct Prompt {
  std::optional<std::string> text;
  std::vector<int32_t> ids;
};

struct CompletionsRequest {
  std::string model;
  // One or more prompts (a batch); choice index = prompt index * n + choice.
  std::vector<Prompt> prompts;
  SamplingRequest sampling;
  // Candidates per prompt, of which the n most likely are returned; 0 = n.
  int64_t best_of = 0;
  // Number of top alternatives per token (0..COMPLETION_MAX_LOGPROBS); nullopt = no logprobs.
  std::optional<int64_t> logprobs;
  bool echo = false;
};

// Validates every field's type and range (400 naming `param` on the first problem). Does not check what
// depends on the model (token ids, context length).
absl::StatusOr<CompletionsRequest> ParseCompletionsRequest(const rapidjson::Value& body, const Limits& limits);

// Reads a non-empty JSON array of token ids (non-negative int32); errors name `param`.
absl::StatusOr<std::vector<int32_t>> ReadTokenIds(const rapidjson::Value& array, absl::string_view param);

// Reads an OpenAI prompt value: a string, an array of strings, an array of token ids or an array of
// arrays of token ids. Shared with /tokenize.
absl::StatusOr<std::vector<Prompt>> ReadPrompts(const rapidjson::Value& value, absl::string_view param);

}  // namespace basalt::gateway::openai
