#pragma once
// Turns sampled tokens into what callers see: incremental text (never a broken UTF-8 sequence), stop
// conditions (EOS, stop token ids, stop strings, length) and the per-step ChoiceDeltas, holding back text
// that may still turn out to begin a stop string. Torch-free.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/tokenizer/tokenizer.h"
#include "worker/engine/sequence.h"

namespace basalt::engine {

class OutputProcessor {
 public:
  // `prompt_is_text_context`: the sequence's prompt tokens precede its output in the text (decoder-only
  // models), so they give the first output token its context; an encoder-decoder's decoder prompt (the
  // start token) does not.
  OutputProcessor(const tokenizer::Tokenizer& tokenizer, std::vector<int32_t> eos_token_ids, int max_model_len,
                  bool prompt_is_text_context = true);

  // Prepares a sequence's decoder (called when the sequence is created).
  void Init(Sequence* seq) const;

  // Records a sampled token (already appended to seq->tokens) and decides whether the sequence is done;
  // returns the finish reason (kNone while it goes on).
  FinishReason OnToken(Sequence* seq, OutputToken token) const;

  // The delta to report for a sequence now (text up to the hold-back point, unreported tokens, finish
  // reason once finished). nullopt when there is nothing new.
  std::optional<ChoiceDelta> TakeDelta(Sequence* seq, int choice_index) const;

  // The text of a single token as the tokenizer decodes it alone (for logprobs).
  std::string TokenText(int32_t id) const;

  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  bool IsStopToken(const Sequence& seq, int32_t id) const;
  // Looks for a stop string in the text appended since `previous_size`; truncates and returns true.
  bool CheckStopStrings(Sequence* seq, size_t previous_size) const;

  const tokenizer::Tokenizer& tokenizer_;
  std::vector<int32_t> eos_token_ids_;
  int max_model_len_;
  bool prompt_is_text_context_;
};

// Length of the longest suffix of `text` that is a proper prefix of one of `stops` (text that must be
// held back while it could still become a stop string).
size_t StopStringHoldBack(const std::string& text, const std::vector<std::string>& stops);

}  // namespace basalt::engine
