#pragma once
// A piece of the input text as the pipeline transforms it, with, for every byte of the transformed
// ("normalized") text, the byte range of the input it came from. Mirrors `NormalizedString` of the
// Rust crate, including how each edit moves the alignments, so that token offsets agree with it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::tokenizer {

// Byte range [start, end) of the input text.
struct Span {
  uint32_t start = 0;
  uint32_t end = 0;
};

// How a split treats the delimiters it finds.
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Consecutive byte ranges covering a whole string, each flagged as a pattern match or not (the
// Rust crate's Pattern::find_matches).
using MatchList = std::vector<std::pair<std::pair<size_t, size_t>, bool>>;

// Builds a MatchList from sorted, non-overlapping matches (what Regex::FindAll returns).
MatchList MatchesFromRanges(size_t text_size, const std::vector<std::pair<size_t, size_t>>& ranges);
// A MatchList where every character for which `is_match` holds is a match of its own.
MatchList MatchesFromPredicate(std::string_view text, const std::function<bool(char32_t)>& is_match);
// Flips every flag (the `invert` of Split).
void InvertMatches(MatchList& matches);

class NormalizedString {
 public:
  // One (character, change) edit: change 0 replaces the next character, +1 inserts, -n replaces
  // the next character and removes the n after it.
  using Change = std::pair<char32_t, int>;

  NormalizedString() = default;
  // The identity over `text`, whose first byte is byte `original_offset` of the input.
  NormalizedString(std::string text, uint32_t original_offset);

  const std::string& get() const { return normalized_; }
  size_t size() const { return normalized_.size(); }
  bool empty() const { return normalized_.empty(); }

  // Input range of the whole piece (the Rust offsets_original()).
  Span original() const { return {orig_start_, orig_end_}; }
  // Input range of normalized bytes [start, end) (end > start).
  Span OriginalRange(size_t start, size_t end) const;

  // Normalized bytes [start, end) as a new piece (on character boundaries).
  NormalizedString Slice(size_t start, size_t end) const;

  // Applies `changes` to the normalized bytes [start, end), first dropping `initial_offset`
  // characters of it (the Rust transform_range).
  void TransformRange(size_t start, size_t end, const std::vector<Change>& changes, size_t initial_offset);
  void Transform(const std::vector<Change>& changes, size_t initial_offset) {
    TransformRange(0, normalized_.size(), changes, initial_offset);
  }

  // The Rust NormalizedString helpers the pipeline uses.
  void Filter(const std::function<bool(char32_t)>& keep);
  void Map(const std::function<char32_t(char32_t)>& map);
  void Lowercase();
  void Prepend(std::string_view text);
  void Strip(bool left, bool right);
  // Replaces every match by `content`.
  void Replace(const MatchList& matches, std::string_view content);
  // Unicode normalization ("NFC", "NFD", "NFKC", "NFKD").
  void UnicodeNormalize(std::string_view form);
  // Maps every byte to the byte-level alphabet (ByteLevel pre-tokenizer and normalizer).
  void ToByteLevel();

  std::vector<NormalizedString> Split(const MatchList& matches, SplitBehavior behavior) const;

 private:
  Span AlignAt(size_t byte) const;
  void Materialize();

  std::string normalized_;
  // Per normalized byte, its input range. Left empty while the piece is the identity over the input
  // (then a byte maps to the input range of its whole character, as in the Rust crate).
  std::vector<Span> align_;
  bool identity_ = true;
  uint32_t orig_start_ = 0;
  uint32_t orig_end_ = 0;
};

}  // namespace basalt::tokenizer
