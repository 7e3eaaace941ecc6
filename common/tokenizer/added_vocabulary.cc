#include "common/tokenizer/added_vocabulary.h"

#include <algorithm>

#include "common/status/status_macros.h"
#include "common/tokenizer/unicode.h"

namespace basalt::tokenizer {
namespace {

uint64_t Edge(uint32_t node, unsigned char c) { return (static_cast<uint64_t>(node) << 8) | c; }

// The regex crate's \w at the end of `prefix` / the start of `suffix`.
bool EndsWithWord(std::string_view prefix) {
  if (prefix.empty()) return false;
  size_t i = prefix.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(prefix[i]) & 0xC0) == 0x80) --i;
  return IsWordChar(NextCodePoint(prefix, i));
}

bool StartsWithWord(std::string_view suffix) {
  if (suffix.empty()) return false;
  size_t i = 0;
  return IsWordChar(NextCodePoint(suffix, i));
}

// Start of the whitespace run that ends `prefix` (\s*$).
size_t TrailingSpaceStart(std::string_view prefix) {
  size_t end = prefix.size();
  while (end > 0) {
    size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(prefix[i]) & 0xC0) == 0x80) --i;
    size_t j = i;
    if (!IsWhitespace(NextCodePoint(prefix, j))) break;
    end = i;
  }
  return end;
}

// Length of the whitespace run that starts `suffix` (^\s*).
size_t LeadingSpaceLength(std::string_view suffix) {
  size_t i = 0;
  while (i < suffix.size()) {
    size_t j = i;
    if (!IsWhitespace(NextCodePoint(suffix, j))) break;
    i = j;
  }
  return i;
}

}  // namespace

void TokenMatcher::Add(std::string_view pattern, int32_t id) {
  if (pattern.empty()) return;
  uint32_t node = 0;
  for (unsigned char c : pattern) {
    auto [it, inserted] = children_.try_emplace(Edge(node, c), next_node_);
    if (inserted) ++next_node_;
    node = it->second;
  }
  leaf_[node] = id;
  first_[static_cast<unsigned char>(pattern[0])] = true;
}

std::pair<size_t, int32_t> TokenMatcher::LongestAt(std::string_view text, size_t pos) const {
  std::pair<size_t, int32_t> best{0, -1};
  uint32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = children_.find(Edge(node, static_cast<unsigned char>(text[i])));
    if (it == children_.end()) break;
    node = it->second;
    auto leaf = leaf_.find(node);
    if (leaf != leaf_.end()) best = {i + 1 - pos, leaf->second};
  }
  return best;
}

absl::Status AddedVocabulary::AddTokens(const std::vector<AddedToken>& tokens, const Model& model,
                                        const Normalizer* normalizer) {
  size_t vocab_size = model.VocabSize();
  int64_t next_id = static_cast<int64_t>(vocab_size);
  if (!by_id_.empty()) {
    int64_t max = max_id_;
    next_id = (max >= static_cast<int64_t>(vocab_size) || vocab_size == 0) ? max + 1 : static_cast<int64_t>(vocab_size);
  }
  for (const AddedToken& token : tokens) {
    if (token.content.empty()) continue;
    if (auto it = by_content_.find(token.content); it != by_content_.end()) {
      auto existing = by_id_.find(it->second);
      if (existing != by_id_.end() && existing->second == token) continue;
    }
    int32_t id;
    if (auto existing = TokenToId(token.content)) {
      id = *existing;
    } else if (auto in_model = model.TokenToId(token.content)) {
      id = *in_model;
    } else {
      if (next_id > 0x7FFFFFFF) return absl::InvalidArgumentError("added tokens: id space exhausted");
      id = static_cast<int32_t>(next_id++);
    }
    if (token.normalized && normalizer != nullptr) {
      NormalizedString s(token.content, 0);
      BASALT_RETURN_IF_ERROR(normalizer->Normalize(s));
      if (s.get() != token.content) normalized_cache_[id] = s.get();
    }
    by_content_[token.content] = id;
    if (token.special) special_.insert(token.content);
    by_id_[id] = token;
    max_id_ = std::max(max_id_, id);
  }
  Refresh();
  return absl::OkStatus();
}

void AddedVocabulary::Refresh() {
  raw_matcher_ = TokenMatcher();
  normalized_matcher_ = TokenMatcher();
  // Deterministic order; with longest-match semantics only identical patterns could compete.
  std::vector<int32_t> ids;
  ids.reserve(by_id_.size());
  for (const auto& [id, token] : by_id_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (int32_t id : ids) {
    const AddedToken& token = by_id_.at(id);
    if (token.normalized) {
      auto cached = normalized_cache_.find(id);
      normalized_matcher_.Add(cached != normalized_cache_.end() ? cached->second : token.content, id);
    } else {
      raw_matcher_.Add(token.content, id);
    }
  }
}

std::optional<int32_t> AddedVocabulary::TokenToId(std::string_view content) const {
  auto it = by_content_.find(Av(content));
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::Find(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

std::optional<std::string> AddedVocabulary::IdToDecodedToken(int32_t id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  auto cached = normalized_cache_.find(id);
  return cached != normalized_cache_.end() ? cached->second : it->second.content;
}

std::vector<std::pair<int32_t, std::pair<size_t, size_t>>> AddedVocabulary::FindMatches(
    std::string_view sentence, const TokenMatcher& matcher) const {
  std::vector<std::pair<int32_t, std::pair<size_t, size_t>>> splits;
  if (sentence.empty()) {
    splits.push_back({-1, {0, 0}});
    return splits;
  }
  if (matcher.empty()) {
    splits.push_back({-1, {0, sentence.size()}});
    return splits;
  }
  size_t start_offset = 0;
  size_t pos = 0;
  while (pos < sentence.size()) {
    if (!matcher.MayStartWith(static_cast<unsigned char>(sentence[pos]))) {
      ++pos;
      continue;
    }
    auto [length, id] = matcher.LongestAt(sentence, pos);
    if (length == 0) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + length;
    pos = stop;  // matches never overlap
    const AddedToken& token = by_id_.at(id);
    if (encode_special_tokens_ && special_.contains(Av(token.content))) continue;
    if (token.single_word) {
      bool start_space = start == 0 || !EndsWithWord(sentence.substr(0, start));
      bool stop_space = stop == sentence.size() || !StartsWithWord(sentence.substr(stop));
      if (!start_space || !stop_space) continue;
    }
    if (token.lstrip) start = std::max(TrailingSpaceStart(sentence.substr(0, start)), start_offset);
    if (token.rstrip) stop += LeadingSpaceLength(sentence.substr(stop));
    // A previous rstrip may already have taken the text this match starts in.
    start = std::max(start, start_offset);
    if (start_offset < start) splits.push_back({-1, {start_offset, start}});
    splits.push_back({id, {start, stop}});
    start_offset = stop;
  }
  if (start_offset != sentence.size()) splits.push_back({-1, {start_offset, sentence.size()}});
  return splits;
}

void AddedVocabulary::SplitWithIndices(NormalizedString&& piece, const TokenMatcher& matcher,
                                       std::vector<PieceSplit>& out) const {
  auto matches = FindMatches(piece.get(), matcher);
  if (matches.size() == 1 && matches[0].first < 0) {
    out.push_back(PieceSplit{std::move(piece), std::nullopt});
    return;
  }
  for (const auto& [id, range] : matches) {
    NormalizedString slice = piece.Slice(range.first, range.second);
    if (id >= 0) {
      std::string value = slice.get();
      uint32_t len = static_cast<uint32_t>(value.size());
      std::vector<Token> tokens{Token{id, std::move(value), {0, len}}};
      out.push_back(PieceSplit{std::move(slice), std::move(tokens)});
    } else {
      out.push_back(PieceSplit{std::move(slice), std::nullopt});
    }
  }
}

absl::StatusOr<PreTokenizedString> AddedVocabulary::ExtractAndNormalize(const Normalizer* normalizer,
                                                                       std::string_view text) const {
  std::vector<PieceSplit> initial;
  initial.push_back(PieceSplit{NormalizedString(std::string(text), 0), std::nullopt});
  PreTokenizedString pretokenized(std::move(initial));
  BASALT_RETURN_IF_ERROR(pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
    SplitWithIndices(std::move(piece), raw_matcher_, out);
    return absl::OkStatus();
  }));
  BASALT_RETURN_IF_ERROR(pretokenized.Split([&](NormalizedString&& piece, std::vector<PieceSplit>& out) {
    if (normalizer != nullptr) BASALT_RETURN_IF_ERROR(normalizer->Normalize(piece));
    SplitWithIndices(std::move(piece), normalized_matcher_, out);
    return absl::OkStatus();
  }));
  return pretokenized;
}

}  // namespace basalt::tokenizer
