#pragma once
// Plain C++ types of the engine's public API: what a caller asks for and what comes back. No torch, no
// protobuf: the gRPC layer converts proto messages to and from these.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace basalt::engine {

struct SamplingOptions {
  float temperature = 1.0f;  // 0 = greedy
  float top_p = 1.0f;
  int top_k = 0;  // 0 = all
  float min_p = 0.0f;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  float repetition_penalty = 1.0f;
  std::vector<std::pair<int32_t, float>> logit_bias;
  std::optional<uint64_t> seed;
  float penalty_alpha = 0.0f;  // contrastive search when > 0 (with top_k > 1)
};

struct StopOptions {
  int max_tokens = 0;  // 0 = up to the context length
  int min_tokens = 0;
  std::vector<std::string> stop;
  std::vector<int32_t> stop_token_ids;
  bool ignore_eos = false;
  bool prompt_only = false;  // compute the prompt (for its logprobs) and generate nothing
};

struct GenerationParams {
  SamplingOptions sampling;
  StopOptions stopping;
  int n = 1;
  int best_of = 0;  // 0 = n
  bool logprobs = false;
  int top_logprobs = 0;
  bool echo_prompt = false;
  int prompt_logprobs = 0;  // -1: logprobs only; >0: also that many alternatives
  bool skip_special_tokens = true;
};

struct GenerationRequest {
  std::string request_id;
  // Either token ids, or text to tokenize (with or without the tokenizer's special tokens).
  std::vector<int32_t> prompt_ids;
  std::optional<std::string> prompt_text;
  bool add_special_tokens = true;
  GenerationParams params;
};

enum class FinishReason { kNone, kLength, kEos, kStopString, kCancelled };

inline const char* FinishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kNone: return "none";
    case FinishReason::kLength: return "length";
    case FinishReason::kEos: return "eos";
    case FinishReason::kStopString: return "stop_string";
    case FinishReason::kCancelled: return "cancelled";
  }
  return "none";
}

struct TokenAlternative {
  int32_t id = 0;
  std::string text;
  float logprob = 0.0f;
};

struct OutputToken {
  int32_t id = 0;
  std::string text;
  std::optional<float> logprob;
  std::vector<TokenAlternative> top_logprobs;
};

// New output of one choice since the previous RequestOutput.
struct ChoiceDelta {
  int index = 0;
  std::string text;
  std::vector<OutputToken> tokens;
  FinishReason finish_reason = FinishReason::kNone;
  std::string stop_string;
  double cumulative_logprob = 0.0;
};

struct PromptOutput {
  std::vector<OutputToken> tokens;
  std::string text;
};

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_prompt_tokens = 0;
};

struct Timings {
  uint64_t time_to_first_token_ns = 0;
  uint64_t total_ns = 0;
  uint64_t queue_ns = 0;
};

// What the engine reports for a request after a step. The last one has `finished` set; when `status` is
// not OK the request failed (or was cancelled: kCancelled) and nothing follows.
struct RequestOutput {
  int prompt_tokens = 0;
  std::optional<PromptOutput> prompt;  // first output only, with echo_prompt
  std::vector<ChoiceDelta> choices;
  bool finished = false;
  absl::Status status;
  Usage usage;
  Timings timings;
};

// Receives a request's outputs. Called on the engine's thread: must return quickly and never block
// (queue the output and hand it to another thread).
class OutputObserver {
 public:
  virtual ~OutputObserver() = default;
  virtual void OnOutput(RequestOutput output) = 0;
};

}  // namespace basalt::engine
