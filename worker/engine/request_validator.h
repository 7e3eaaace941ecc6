#pragma once
// Checks a GenerationRequest against the model and the engine's limits, and resolves what the request
// left open (tokenizes a text prompt, fills max_tokens). Every error is InvalidArgument and names the
// field, so callers can map it to an API error. The engine caps max_model_len at its KV cache capacity,
// so a request that passes always fits in the cache on its own. Torch-free.
#include <cstdint>

#include "absl/status/statusor.h"
#include "common/tokenizer/tokenizer.h"
#include "worker/engine/engine.h"
#include "worker/engine/generation_types.h"

namespace basalt::engine {

inline constexpr int kMaxTopLogprobs = 20;
inline constexpr int kMaxStopStrings = 16;

struct ResolvedLimits {
  int max_tokens = 0;  // generated tokens allowed for this request
};

absl::StatusOr<ResolvedLimits> ValidateAndResolve(GenerationRequest* request, const ModelDescription& model,
                                                  const tokenizer::Tokenizer& tokenizer);

}  // namespace basalt::engine
