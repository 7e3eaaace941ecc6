#pragma once
// The request fields that /v1/completions and /v1/chat/completions share: sampling, stopping, streaming
// and the vLLM extensions (top_k, min_p, repetition_penalty, ...). Read with one function so that both
// endpoints validate them identically, and turned into the worker's GenerateRequest in one place.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "basalt/v1/worker.pb.h"
#include "gateway/openai/field_reader.h"
#include "gateway/openai/limits.h"

namespace basalt::gateway::openai {

struct SamplingRequest {
  std::optional<double> temperature;        // [0, 2]
  std::optional<double> top_p;              // (0, 1]
  int64_t top_k = 0;                        // 0 or -1: all
  double min_p = 0;                         // [0, 1]
  double presence_penalty = 0;              // [-2, 2]
  double frequency_penalty = 0;             // [-2, 2]
  std::optional<double> repetition_penalty; // > 0
  double penalty_alpha = 0;                 // [0, 1]; contrastive search with top_k > 1
  std::map<int32_t, float> logit_bias;      // token id -> [-100, 100]
  std::optional<int64_t> seed;
  int64_t n = 1;
  std::optional<int64_t> max_tokens;        // nullopt: up to the context length
  std::string max_tokens_param = "max_tokens";  // the name the client used, for errors
  int64_t min_tokens = 0;
  std::vector<std::string> stop;            // at most 4 (OpenAI), non-empty strings
  std::vector<int32_t> stop_token_ids;      // vLLM extension
  bool ignore_eos = false;
  bool skip_special_tokens = true;
  bool include_stop_str_in_output = false;  // vLLM extension
  bool stream = false;
  bool include_usage = false;               // stream_options.include_usage
  std::string user;
};

// Reads the shared fields. `max_tokens_keys` lists the accepted names of the length limit in order of
// precedence (chat: max_completion_tokens, max_tokens). Errors are recorded in `reader`.
SamplingRequest ReadSamplingRequest(FieldReader& reader, const Limits& limits,
                                    std::initializer_list<absl::string_view> max_tokens_keys,
                                    int64_t min_max_tokens = 1);

// Checks what depends on the model: logit_bias and stop_token_ids ids below `vocab_size`.
absl::Status CheckTokenIds(const SamplingRequest& request, uint32_t vocab_size);

// What a model's context holds. Decoder-only: prompt and completion share max_model_len tokens.
// Encoder-decoder: the prompt feeds the encoder (up to max_encoder_len tokens) and the completion
// follows the decoder's start token in max_model_len.
struct ModelContext {
  uint32_t max_model_len = 0;  // 0 = unknown (no limit checked here)
  bool encoder_decoder = false;
  uint32_t max_encoder_len = 0;  // 0 = unknown
};
ModelContext ContextOf(const v1::ModelInfoResponse& info);

// The number of tokens to generate for a prompt of `prompt_tokens` tokens: the requested max_tokens,
// or (when null) as many as the context leaves, capped by limits.max_tokens. Errors (400, naming the
// parameter) when the prompt is too long or the completion does not fit the context.
// `prompt_param` names the prompt parameter ("prompt" or "messages").
absl::StatusOr<uint32_t> ResolveMaxTokens(const SamplingRequest& request, size_t prompt_tokens,
                                          const ModelContext& context, const Limits& limits,
                                          absl::string_view prompt_param);
// A decoder-only model of `max_model_len` tokens.
absl::StatusOr<uint32_t> ResolveMaxTokens(const SamplingRequest& request, size_t prompt_tokens,
                                          uint32_t max_model_len, const Limits& limits,
                                          absl::string_view prompt_param);

// Fills sampling, stopping and n of a worker request (max_tokens from ResolveMaxTokens).
void FillGenerateRequest(const SamplingRequest& request, uint32_t max_tokens, v1::GenerateRequest* out);

}  // namespace basalt::gateway::openai
