#include "worker/engine/output_processor.h"

#include <algorithm>

namespace basalt::engine {

size_t StopStringHoldBack(const std::string& text, const std::vector<std::string>& stops) {
  size_t hold = 0;
  for (const std::string& stop : stops) {
    const size_t longest = std::min(stop.size() - 1, text.size());
    for (size_t len = longest; len > hold; --len) {
      if (text.compare(text.size() - len, len, stop, 0, len) == 0) {
        hold = len;
        break;
      }
    }
  }
  return hold;
}

OutputProcessor::OutputProcessor(const tokenizer::Tokenizer& tokenizer, std::vector<int32_t> eos_token_ids,
                                 int max_model_len, bool prompt_is_text_context)
    : tokenizer_(tokenizer), eos_token_ids_(std::move(eos_token_ids)), max_model_len_(max_model_len),
      prompt_is_text_context_(prompt_is_text_context) {}

void OutputProcessor::Init(Sequence* seq) const {
  const auto& prompt = seq->tokens;
  // A few trailing prompt tokens give the decoder the context for the first token's leading space.
  const size_t context = prompt_is_text_context_ ? std::min<size_t>(prompt.size(), 8) : 0;
  seq->decoder = std::make_unique<tokenizer::StreamingDecoder>(
      tokenizer_, seq->request->request.params.skip_special_tokens,
      absl::Span<const int32_t>(prompt.data() + prompt.size() - context, context));
}

std::string OutputProcessor::TokenText(int32_t id) const {
  return tokenizer_.Decode(absl::Span<const int32_t>(&id, 1), /*skip_special_tokens=*/false);
}

bool OutputProcessor::IsStopToken(const Sequence& seq, int32_t id) const {
  const StopOptions& stop = seq.request->request.params.stopping;
  if (!stop.ignore_eos && std::find(eos_token_ids_.begin(), eos_token_ids_.end(), id) != eos_token_ids_.end())
    return true;
  return std::find(stop.stop_token_ids.begin(), stop.stop_token_ids.end(), id) != stop.stop_token_ids.end();
}

bool OutputProcessor::CheckStopStrings(Sequence* seq, size_t previous_size) const {
  const auto& stops = seq->request->request.params.stopping.stop;
  size_t best = std::string::npos;
  std::string matched;
  for (const std::string& stop : stops) {
    if (stop.empty()) continue;
    // Only a match that ends in the new text is new; it may start up to stop.size()-1 bytes earlier.
    size_t from = previous_size >= stop.size() - 1 ? previous_size - (stop.size() - 1) : 0;
    from = std::max(from, seq->text_reported);  // reported text cannot be taken back
    size_t pos = seq->text.find(stop, from);
    if (pos != std::string::npos && pos < best) {
      best = pos;
      matched = stop;
    }
  }
  if (best == std::string::npos) return false;
  seq->text.resize(best);
  seq->stop_string = matched;
  return true;
}

FinishReason OutputProcessor::OnToken(Sequence* seq, OutputToken token) const {
  const int32_t id = token.id;
  const GenerationParams& params = seq->request->request.params;
  const bool min_reached = seq->num_output_tokens() >= params.stopping.min_tokens;
  seq->unreported_tokens.push_back(std::move(token));

  if (min_reached && IsStopToken(*seq, id)) {
    seq->text += seq->decoder->Finish();
    if (CheckStopStrings(seq, 0)) return FinishReason::kStopString;
    return FinishReason::kEos;
  }
  const size_t previous = seq->text.size();
  seq->text += seq->decoder->Add(id);
  if (min_reached && CheckStopStrings(seq, previous)) return FinishReason::kStopString;
  const bool at_max_tokens = seq->num_output_tokens() >= seq->request->max_tokens;
  const bool at_context_end = static_cast<int>(seq->tokens.size()) >= max_model_len_;
  if (at_max_tokens || at_context_end) {
    const size_t before_flush = seq->text.size();
    seq->text += seq->decoder->Finish();
    if (min_reached && CheckStopStrings(seq, before_flush)) return FinishReason::kStopString;
    return FinishReason::kLength;
  }
  return FinishReason::kNone;
}

std::optional<ChoiceDelta> OutputProcessor::TakeDelta(Sequence* seq, int choice_index) const {
  const bool finished = seq->finish_reason != FinishReason::kNone;
  if (finished && seq->finish_reported) return std::nullopt;
  size_t end = seq->text.size();
  if (!finished) end -= StopStringHoldBack(seq->text, seq->request->request.params.stopping.stop);
  end = std::max(end, seq->text_reported);
  if (end == seq->text_reported && seq->unreported_tokens.empty() && !finished) return std::nullopt;
  ChoiceDelta delta;
  delta.index = choice_index;
  delta.text = seq->text.substr(seq->text_reported, end - seq->text_reported);
  seq->text_reported = end;
  delta.tokens = std::move(seq->unreported_tokens);
  seq->unreported_tokens.clear();
  if (finished) {
    delta.finish_reason = seq->finish_reason;
    delta.stop_string = seq->stop_string;
    delta.cumulative_logprob = seq->cumulative_logprob;
    seq->finish_reported = true;
  }
  return delta;
}

}  // namespace basalt::engine
