#pragma once
// Added tokens (tokenizer.json "added_tokens", plus what tokenizer_config.json adds): found in the
// text before the model runs, longest match first, the Rust AddedVocabulary way: tokens with
// normalized=false are matched on the raw text, the others on the normalized text.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "common/tokenizer/string_view_compat.h"
#include "common/tokenizer/models.h"
#include "common/tokenizer/normalizers.h"
#include "common/tokenizer/pre_tokenized_string.h"

namespace basalt::tokenizer {

struct AddedToken {
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
  bool operator==(const AddedToken& o) const {
    return content == o.content && single_word == o.single_word && lstrip == o.lstrip && rstrip == o.rstrip &&
           normalized == o.normalized && special == o.special;
  }
};

// Leftmost-longest multi-string matcher (what the crate builds with Aho-Corasick).
class TokenMatcher {
 public:
  void Add(std::string_view pattern, int32_t id);
  bool empty() const { return leaf_.empty(); }
  // Longest pattern starting at `pos`: (length, id), or length 0.
  std::pair<size_t, int32_t> LongestAt(std::string_view text, size_t pos) const;
  bool MayStartWith(unsigned char c) const { return first_[c]; }

 private:
  absl::flat_hash_map<uint64_t, uint32_t> children_;
  absl::flat_hash_map<uint32_t, int32_t> leaf_;
  uint32_t next_node_ = 1;
  bool first_[256] = {};
};

class AddedVocabulary {
 public:
  // Adds tokens as the crate's add_tokens does: an existing id (added or model vocabulary) is
  // reused, otherwise the next free id is assigned.
  absl::Status AddTokens(const std::vector<AddedToken>& tokens, const Model& model, const Normalizer* normalizer);

  std::optional<int32_t> TokenToId(std::string_view content) const;
  const AddedToken* Find(int32_t id) const;
  // What decoding shows for an added id: its normalized form when normalization changed it.
  std::optional<std::string> IdToDecodedToken(int32_t id) const;
  bool IsSpecialToken(std::string_view token) const { return special_.contains(Av(token)); }
  int32_t MaxId() const { return max_id_; }
  // transformers' split_special_tokens: special tokens in the text are encoded as ordinary text.
  void set_encode_special_tokens(bool value) { encode_special_tokens_ = value; }
  const absl::flat_hash_map<int32_t, AddedToken>& tokens() const { return by_id_; }

  // Cuts `text` on added tokens and normalizes the other pieces.
  absl::StatusOr<PreTokenizedString> ExtractAndNormalize(const Normalizer* normalizer, std::string_view text) const;

 private:
  void Refresh();
  // (id or -1, byte range) pieces of `sentence` (the crate's find_matches).
  std::vector<std::pair<int32_t, std::pair<size_t, size_t>>> FindMatches(std::string_view sentence,
                                                                        const TokenMatcher& matcher) const;
  void SplitWithIndices(NormalizedString&& piece, const TokenMatcher& matcher, std::vector<PieceSplit>& out) const;

  absl::flat_hash_map<std::string, int32_t> by_content_;
  absl::flat_hash_map<int32_t, AddedToken> by_id_;
  absl::flat_hash_set<std::string> special_;
  absl::flat_hash_map<int32_t, std::string> normalized_cache_;
  TokenMatcher raw_matcher_;
  TokenMatcher normalized_matcher_;
  int32_t max_id_ = -1;
  bool encode_special_tokens_ = false;
};

}  // namespace basalt::tokenizer
