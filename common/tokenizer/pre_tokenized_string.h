#pragma once
// The text of one encode call cut into pieces (the Rust PreTokenizedString): added tokens, then
// pre-tokenizer splits; each piece keeps its alignments and, once the model has run, its tokens.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/tokenizer/normalized_string.h"

namespace basalt::tokenizer {

// A token of one piece; offsets are byte offsets into that piece's normalized text.
struct Token {
  int32_t id = 0;
  std::string value;
  std::pair<uint32_t, uint32_t> offsets;
};

struct PieceSplit {
  NormalizedString normalized;
  std::optional<std::vector<Token>> tokens;  // set for added tokens and after the model ran
};

class PreTokenizedString {
 public:
  explicit PreTokenizedString(std::vector<PieceSplit> splits) : splits_(std::move(splits)) {}

  // Replaces every piece that has no tokens yet by what `split_fn` makes of it; empty pieces are
  // dropped.
  using SplitFn = std::function<absl::Status(NormalizedString&&, std::vector<PieceSplit>&)>;
  absl::Status Split(const SplitFn& split_fn);
  // Runs `fn` on every piece that has no tokens yet.
  void ForEachUntokenized(const std::function<void(NormalizedString&)>& fn);

  std::vector<PieceSplit>& splits() { return splits_; }
  const std::vector<PieceSplit>& splits() const { return splits_; }

 private:
  std::vector<PieceSplit> splits_;
};

// Helper for split functions that only cut: wraps pieces without tokens.
void AppendPieces(std::vector<NormalizedString>&& pieces, std::vector<PieceSplit>& out);

}  // namespace basalt::tokenizer
