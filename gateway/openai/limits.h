#pragma once
// Per-request limits of the OpenAI endpoints (flags / environment variables COMPLETION_MAX_*).
#include <cstdint>

namespace basalt::gateway::openai {

struct Limits {
  // Tokens in one prompt (COMPLETION_MAX_PROMPT).
  int64_t max_prompt_tokens = 4096;
  // max_tokens / max_completion_tokens (COMPLETION_MAX_TOKENS).
  int64_t max_tokens = 4096;
  // n and best_of (COMPLETION_MAX_N).
  int64_t max_n = 5;
  // Completions `logprobs` and chat `top_logprobs` (COMPLETION_MAX_LOGPROBS).
  int64_t max_logprobs = 5;
  // Prompts in one batched completions request (COMPLETION_MAX_BATCH).
  int64_t max_batch = 256;
};

}  // namespace basalt::gateway::openai
