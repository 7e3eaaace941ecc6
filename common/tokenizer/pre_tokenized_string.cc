#include "common/tokenizer/pre_tokenized_string.h"

namespace basalt::tokenizer {

absl::Status PreTokenizedString::Split(const SplitFn& split_fn) {
  std::vector<PieceSplit> result;
  result.reserve(splits_.size());
  std::vector<PieceSplit> produced;
  for (PieceSplit& split : splits_) {
    if (split.tokens.has_value()) {
      result.push_back(std::move(split));
      continue;
    }
    produced.clear();
    absl::Status status = split_fn(std::move(split.normalized), produced);
    if (!status.ok()) return status;
    for (PieceSplit& p : produced) {
      if (!p.normalized.empty()) result.push_back(std::move(p));
    }
  }
  splits_ = std::move(result);
  return absl::OkStatus();
}

void PreTokenizedString::ForEachUntokenized(const std::function<void(NormalizedString&)>& fn) {
  for (PieceSplit& split : splits_) {
    if (!split.tokens.has_value()) fn(split.normalized);
  }
}

void AppendPieces(std::vector<NormalizedString>&& pieces, std::vector<PieceSplit>& out) {
  for (NormalizedString& piece : pieces) out.push_back(PieceSplit{std::move(piece), std::nullopt});
}

}  // namespace basalt::tokenizer
