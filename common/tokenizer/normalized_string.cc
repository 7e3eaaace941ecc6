#include "common/tokenizer/normalized_string.h"

#include <algorithm>

#include "common/tokenizer/unicode.h"
#include "common/tokenizer/unicode_normalization.h"

namespace basalt::tokenizer {

MatchList MatchesFromRanges(size_t text_size, const std::vector<std::pair<size_t, size_t>>& ranges) {
  MatchList out;
  if (text_size == 0) {
    out.push_back({{0, 0}, false});
    return out;
  }
  out.reserve(ranges.size() * 2 + 1);
  size_t prev = 0;
  for (const auto& [start, end] : ranges) {
    if (prev != start) out.push_back({{prev, start}, false});
    out.push_back({{start, end}, true});
    prev = end;
  }
  if (prev != text_size) out.push_back({{prev, text_size}, false});
  return out;
}

MatchList MatchesFromPredicate(std::string_view text, const std::function<bool(char32_t)>& is_match) {
  MatchList out;
  if (text.empty()) {
    out.push_back({{0, 0}, false});
    return out;
  }
  size_t last_offset = 0, last_seen = 0;
  for (size_t i = 0; i < text.size();) {
    size_t b = i;
    char32_t c = NextCodePoint(text, i);
    last_seen = i;
    if (is_match(c)) {
      if (last_offset < b) out.push_back({{last_offset, b}, false});
      out.push_back({{b, i}, true});
      last_offset = i;
    }
  }
  if (last_seen > last_offset) out.push_back({{last_offset, last_seen}, false});
  return out;
}

void InvertMatches(MatchList& matches) {
  for (auto& m : matches) m.second = !m.second;
}

NormalizedString::NormalizedString(std::string text, uint32_t original_offset)
    : normalized_(std::move(text)),
      orig_start_(original_offset),
      orig_end_(original_offset + static_cast<uint32_t>(normalized_.size())) {}

Span NormalizedString::AlignAt(size_t byte) const {
  if (!identity_) {
    if (byte < align_.size()) return align_[byte];
    return {orig_end_, orig_end_};
  }
  if (byte >= normalized_.size()) return {orig_end_, orig_end_};
  size_t lead = byte;
  while (lead > 0 && (static_cast<unsigned char>(normalized_[lead]) & 0xC0) == 0x80) --lead;
  size_t len = Utf8SequenceLength(static_cast<unsigned char>(normalized_[lead]));
  return {orig_start_ + static_cast<uint32_t>(lead), orig_start_ + static_cast<uint32_t>(lead + len)};
}

void NormalizedString::Materialize() {
  if (!identity_) return;
  align_.resize(normalized_.size());
  for (size_t i = 0; i < normalized_.size();) {
    size_t len = Utf8SequenceLength(static_cast<unsigned char>(normalized_[i]));
    Span span{orig_start_ + static_cast<uint32_t>(i), orig_start_ + static_cast<uint32_t>(i + len)};
    for (size_t k = 0; k < len && i + k < normalized_.size(); ++k) align_[i + k] = span;
    i += len;
  }
  identity_ = false;
}

Span NormalizedString::OriginalRange(size_t start, size_t end) const {
  if (end <= start) {
    Span at = AlignAt(start);
    return {at.start, at.start};
  }
  return {AlignAt(start).start, AlignAt(end - 1).end};
}

NormalizedString NormalizedString::Slice(size_t start, size_t end) const {
  NormalizedString out;
  out.normalized_ = normalized_.substr(start, end - start);
  if (end <= start) {
    out.orig_start_ = out.orig_end_ = AlignAt(start).start;
    return out;
  }
  Span range = OriginalRange(start, end);
  out.orig_start_ = range.start;
  out.orig_end_ = range.end;
  if (!identity_) {
    out.identity_ = false;
    out.align_.assign(align_.begin() + start, align_.begin() + end);
  }
  return out;
}

void NormalizedString::TransformRange(size_t start, size_t end, const std::vector<Change>& changes,
                                      size_t initial_offset) {
  // The characters of the range, consumed as the changes replace or remove them.
  size_t cursor = start;
  auto next_char_len = [&]() -> size_t {
    if (cursor >= end) return 0;
    size_t len = Utf8SequenceLength(static_cast<unsigned char>(normalized_[cursor]));
    cursor += len;
    return len;
  };
  for (size_t k = 0; k < initial_offset; ++k) next_char_len();
  size_t offset = cursor;

  std::string replaced;
  replaced.reserve(end - start);
  std::vector<Span> alignments;
  alignments.reserve(end - start);
  for (const auto& [c, change] : changes) {
    Span align;
    if (change > 0) {
      align = offset < 1 ? Span{orig_start_, orig_start_} : AlignAt(offset - 1);
    } else {
      align = AlignAt(offset);
    }
    size_t replaced_size = change <= 0 ? next_char_len() : 0;
    size_t removed = 0;
    for (int k = 0; k < -change; ++k) removed += next_char_len();
    offset += replaced_size + removed;
    size_t before = replaced.size();
    AppendUtf8(replaced, c);
    alignments.insert(alignments.end(), replaced.size() - before, align);
  }

  Materialize();
  align_.erase(align_.begin() + start, align_.begin() + end);
  align_.insert(align_.begin() + start, alignments.begin(), alignments.end());
  normalized_.replace(start, end - start, replaced);
}

void NormalizedString::Filter(const std::function<bool(char32_t)>& keep) {
  std::vector<Change> changes;
  changes.reserve(normalized_.size());
  int removed = 0;
  size_t removed_start = 0;
  bool have_last = false;
  char32_t last = 0;
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = NextCodePoint(normalized_, i);
    if (keep(c)) {
      if (have_last) {
        changes.emplace_back(last, -removed);
      } else {
        removed_start = static_cast<size_t>(removed);
      }
      last = c;
      have_last = true;
      removed = 0;
    } else {
      ++removed;
    }
  }
  if (have_last) {
    changes.emplace_back(last, -removed);
  } else {
    removed_start = static_cast<size_t>(removed);
  }
  Transform(changes, removed_start);
}

void NormalizedString::Map(const std::function<char32_t(char32_t)>& map) {
  std::vector<Change> changes;
  changes.reserve(normalized_.size());
  bool changed = false;
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = NextCodePoint(normalized_, i);
    char32_t m = map(c);
    changed |= m != c;
    changes.emplace_back(m, 0);
  }
  if (changed) Transform(changes, 0);
}

void NormalizedString::Lowercase() {
  std::vector<Change> changes;
  changes.reserve(normalized_.size());
  std::u32string lower;
  bool changed = false;
  for (size_t i = 0; i < normalized_.size();) {
    char32_t c = NextCodePoint(normalized_, i);
    lower.clear();
    AppendLowercase(lower, c);
    changed |= lower.size() != 1 || lower[0] != c;
    for (size_t k = 0; k < lower.size(); ++k) changes.emplace_back(lower[k], k > 0 ? 1 : 0);
  }
  if (changed) Transform(changes, 0);
}

void NormalizedString::Prepend(std::string_view text) {
  if (normalized_.empty() || text.empty()) return;
  size_t first_len = Utf8SequenceLength(static_cast<unsigned char>(normalized_[0]));
  size_t pos = 0;
  char32_t first = NextCodePoint(normalized_, pos);
  std::vector<Change> changes;
  for (size_t i = 0, k = 0; i < text.size(); ++k) changes.emplace_back(NextCodePoint(text, i), k > 0 ? 1 : 0);
  changes.emplace_back(first, 1);
  TransformRange(0, first_len, changes, 0);
}

void NormalizedString::Strip(bool left, bool right) {
  std::vector<char32_t> chars;
  for (size_t i = 0; i < normalized_.size();) chars.push_back(NextCodePoint(normalized_, i));
  size_t leading = 0, trailing = 0;
  if (left) {
    while (leading < chars.size() && IsWhitespace(chars[leading])) ++leading;
  }
  if (right) {
    while (trailing < chars.size() && IsWhitespace(chars[chars.size() - 1 - trailing])) ++trailing;
  }
  if (leading == 0 && trailing == 0) return;
  std::vector<Change> changes;
  size_t count = chars.size();
  for (size_t i = 0; i < count; ++i) {
    if (i < leading || i + trailing >= count) continue;
    // The Rust crate compares this character index with a byte length here; kept for offsets parity.
    if (i + trailing + 1 == normalized_.size()) {
      changes.emplace_back(chars[i], -static_cast<int>(trailing));
    } else {
      changes.emplace_back(chars[i], 0);
    }
  }
  Transform(changes, leading);
}

void NormalizedString::Replace(const MatchList& matches, std::string_view content) {
  bool any = false;
  for (const auto& m : matches) any |= m.second;
  if (!any) return;
  std::string out;
  out.reserve(normalized_.size());
  std::vector<Span> alignments;
  alignments.reserve(normalized_.size());
  size_t last_end = 0;
  for (const auto& [range, is_match] : matches) {
    if (!is_match) continue;
    auto [start, end] = range;
    out.append(normalized_, last_end, start - last_end);
    for (size_t i = last_end; i < start; ++i) alignments.push_back(AlignAt(i));
    // Every inserted character takes the alignment of the last byte it replaces.
    Span align = end < 1 ? Span{orig_start_, orig_start_} : AlignAt(end - 1);
    out.append(content);
    alignments.insert(alignments.end(), content.size(), align);
    last_end = end;
  }
  out.append(normalized_, last_end, std::string::npos);
  for (size_t i = last_end; i < normalized_.size(); ++i) alignments.push_back(AlignAt(i));
  normalized_ = std::move(out);
  align_ = std::move(alignments);
  identity_ = false;
}

void NormalizedString::UnicodeNormalize(std::string_view form) {
  NormalizationForm f;
  if (form == "NFC") f = NormalizationForm::kNFC;
  else if (form == "NFD") f = NormalizationForm::kNFD;
  else if (form == "NFKC") f = NormalizationForm::kNFKC;
  else if (form == "NFKD") f = NormalizationForm::kNFKD;
  else return;
  std::vector<Change> changes;
  if (NormalizationChanges(normalized_, f, changes)) Transform(changes, 0);
}

void NormalizedString::ToByteLevel() {
  const auto& table = ByteToChar();
  std::string out;
  out.reserve(normalized_.size() * 2);
  std::vector<Span> alignments;
  alignments.reserve(normalized_.size() * 2);
  for (size_t i = 0; i < normalized_.size();) {
    size_t len = Utf8SequenceLength(static_cast<unsigned char>(normalized_[i]));
    // The first byte replaces the character (its first byte's alignment); the others are inserted
    // after it (its last byte's alignment), as the Rust transform does.
    Span first = AlignAt(i), last = AlignAt(i + len - 1);
    for (size_t k = 0; k < len; ++k) {
      size_t before = out.size();
      AppendUtf8(out, table[static_cast<unsigned char>(normalized_[i + k])]);
      alignments.insert(alignments.end(), out.size() - before, k == 0 ? first : last);
    }
    i += len;
  }
  normalized_ = std::move(out);
  align_ = std::move(alignments);
  identity_ = false;
}

std::vector<NormalizedString> NormalizedString::Split(const MatchList& matches, SplitBehavior behavior) const {
  // (range, remove) after applying the behavior.
  std::vector<std::pair<std::pair<size_t, size_t>, bool>> splits;
  splits.reserve(matches.size());
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const auto& m : matches) splits.push_back({m.first, false});
      break;
    case SplitBehavior::kRemoved:
      splits.assign(matches.begin(), matches.end());
      break;
    case SplitBehavior::kContiguous: {
      bool previous = false;
      for (const auto& [range, is_match] : matches) {
        if (is_match == previous && !splits.empty()) {
          splits.back().first.second = range.second;
        } else {
          splits.push_back({range, false});
        }
        previous = is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous = false;
      for (const auto& [range, is_match] : matches) {
        if (is_match && !previous && !splits.empty()) {
          splits.back().first.second = range.second;
        } else {
          splits.push_back({range, false});
        }
        previous = is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        const auto& [range, is_match] = *it;
        if (is_match && !previous && !splits.empty()) {
          splits.back().first.first = range.first;
        } else {
          splits.push_back({range, false});
        }
        previous = is_match;
      }
      std::reverse(splits.begin(), splits.end());
      break;
    }
  }
  std::vector<NormalizedString> out;
  out.reserve(splits.size());
  for (const auto& [range, remove] : splits) {
    if (!remove) out.push_back(Slice(range.first, range.second));
  }
  return out;
}

}  // namespace basalt::tokenizer
