#pragma once
// Runs one request to completion and gathers its outputs (for the offline CLI and tests). Torch-free.
#include <vector>

#include "absl/status/statusor.h"
#include "worker/engine/engine.h"

namespace basalt::engine {

struct CompletedChoice {
  std::string text;
  std::vector<OutputToken> tokens;
  FinishReason finish_reason = FinishReason::kNone;
  std::string stop_string;
  double cumulative_logprob = 0.0;
};

struct CompletedRequest {
  std::optional<PromptOutput> prompt;
  std::vector<CompletedChoice> choices;  // by choice index
  Usage usage;
  Timings timings;
  int num_outputs = 0;  // how many RequestOutputs arrived (streaming granularity)
};

// Blocks until the request finishes. The error is the engine's (validation, cancellation, fault).
absl::StatusOr<CompletedRequest> GenerateBlocking(Engine& engine, GenerationRequest request);

// Merges one streamed output into a CompletedRequest (exposed for callers that stream themselves).
void Accumulate(const RequestOutput& output, CompletedRequest* completed);

}  // namespace basalt::engine
