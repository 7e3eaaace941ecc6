#pragma once
// The engine's bookkeeping for requests and their sequences (one per choice / best_of candidate).
// Only the engine thread touches these. Torch-free.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/tokenizer/tokenizer.h"
#include "worker/engine/generation_types.h"

namespace basalt::model {
struct EncoderState;  // worker/model/cross_attention.h
}

namespace basalt::engine {

struct RequestState;

enum class SequenceStatus { kWaiting, kRunning, kFinished };

struct Sequence {
  int64_t id = 0;
  RequestState* request = nullptr;
  int candidate_index = 0;  // which of the request's candidates

  std::vector<int32_t> tokens;  // prompt, then generated tokens
  int num_prompt_tokens = 0;
  int num_computed_tokens = 0;  // leading tokens whose k/v are in the cache (may count in-flight tokens)
  // Asynchronous decoding: tokens already chosen on the device but not yet appended to `tokens` (0-2:
  // the step being collected and the one launched after it). The scheduler counts them as tokens.
  int num_inflight_tokens = 0;
  std::vector<int32_t> block_table;
  // Prefix-cache hashes of the sequence's full, computed blocks (block_hashes[i] covers block i).
  std::vector<uint64_t> block_hashes;
  bool use_prefix_cache = true;  // off when every prompt position must be computed (prompt logprobs)
  int num_cached_tokens = 0;     // prompt tokens taken from the prefix cache at admission
  SequenceStatus status = SequenceStatus::kWaiting;

  FinishReason finish_reason = FinishReason::kNone;
  std::string stop_string;
  double cumulative_logprob = 0.0;

  // Output state: incremental text, what was reported, what is waiting to be reported.
  std::unique_ptr<tokenizer::StreamingDecoder> decoder;
  std::string text;
  size_t text_reported = 0;
  std::vector<OutputToken> unreported_tokens;
  bool finish_reported = false;

  int num_output_tokens() const { return static_cast<int>(tokens.size()) - num_prompt_tokens; }
  int num_tokens() const { return static_cast<int>(tokens.size()) + num_inflight_tokens; }
  int num_uncomputed_tokens() const { return num_tokens() - num_computed_tokens; }
  bool finished() const { return status == SequenceStatus::kFinished; }
};

struct RequestState {
  GenerationRequest request;  // prompt_ids resolved
  std::shared_ptr<OutputObserver> observer;
  std::vector<std::unique_ptr<Sequence>> sequences;
  // Encoder-decoder models: the encoder's output for the prompt, computed when the request is first
  // scheduled and kept until it finishes (its sequences' tokens are the decoder's).
  std::shared_ptr<const model::EncoderState> encoder_state;
  int num_candidates = 1;  // best_of (or n)
  int num_choices = 1;     // n
  bool forked = false;     // children created after the prompt was computed
  bool prompt_reported = false;
  // Prompt logprobs fill up chunk by chunk; index p holds the logprob of prompt token p.
  std::optional<PromptOutput> prompt_output;
  int prompt_logprobs_done = 1;  // prompt positions whose logprobs are known (token 0 has none)
  bool cancelled = false;
  bool done = false;
  std::chrono::steady_clock::time_point arrival;
  std::optional<std::chrono::steady_clock::time_point> first_scheduled;
  std::optional<std::chrono::steady_clock::time_point> first_token;
  int max_tokens = 0;  // resolved: never past the context length

  bool streams_incrementally() const { return num_candidates == num_choices; }
  bool all_finished() const {
    for (const auto& s : sequences) {
      if (!s->finished()) return false;
    }
    return forked || num_candidates == 1;
  }
};

}  // namespace basalt::engine
