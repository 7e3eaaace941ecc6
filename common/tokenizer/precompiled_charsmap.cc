#include "common/tokenizer/precompiled_charsmap.h"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "common/tokenizer/unicode.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {
namespace {

// Darts-clone unit accessors (what spm_precompiled calls has_leaf/value/label/offset).
bool HasLeaf(uint32_t unit) { return ((unit >> 8) & 1) == 1; }
uint32_t Value(uint32_t unit) { return unit & ((1u << 31) - 1); }
uint32_t Label(uint32_t unit) { return unit & ((1u << 31) | 0xFF); }
uint32_t Offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }

// Appends the (character, change) edits that turn `old_part` into `new_part` (the Rust `replace`).
void AppendReplacement(std::vector<NormalizedString::Change>& changes, std::string_view old_part,
                       std::string_view new_part) {
  int old_count = static_cast<int>(CountCodePoints(old_part));
  int new_count = 0;
  for (size_t i = 0; i < new_part.size(); ++new_count) changes.emplace_back(NextCodePoint(new_part, i), 0);
  int diff = new_count - old_count;
  if (diff > 0) {
    for (int k = 0; k < diff && k < static_cast<int>(changes.size()); ++k) {
      changes[changes.size() - 1 - k].second = 1;
    }
  } else if (diff < 0 && !changes.empty()) {
    changes.back().second += diff;
  }
}

icu::BreakIterator* ThreadGraphemeIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> iterator = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> it(
        icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) it.reset();
    return it;
  }();
  return iterator.get();
}

// Byte boundaries of the extended grapheme clusters of `text`.
std::vector<size_t> GraphemeBoundaries(std::string_view text) {
  std::vector<size_t> bounds;
  icu::BreakIterator* it = ThreadGraphemeIterator();
  UErrorCode status = U_ZERO_ERROR;
  UText* ut = it == nullptr ? nullptr : utext_openUTF8(nullptr, text.data(), text.size(), &status);
  if (ut == nullptr || U_FAILURE(status)) {
    // Without ICU's break rules, fall back to one cluster per code point.
    for (size_t i = 0; i < text.size();) {
      bounds.push_back(i);
      NextCodePoint(text, i);
    }
    bounds.push_back(text.size());
    if (ut != nullptr) utext_close(ut);
    return bounds;
  }
  it->setText(ut, status);
  for (int32_t b = it->first(); b != icu::BreakIterator::DONE; b = it->next()) {
    bounds.push_back(static_cast<size_t>(b));
  }
  utext_close(ut);
  return bounds;
}

}  // namespace

absl::StatusOr<PrecompiledCharsmap> PrecompiledCharsmap::FromBase64(std::string_view base64) {
  std::string blob;
  if (!absl::Base64Unescape(Av(base64), &blob)) {
    return absl::InvalidArgumentError("Precompiled: precompiled_charsmap is not valid base64");
  }
  return FromBlob(blob);
}

absl::StatusOr<PrecompiledCharsmap> PrecompiledCharsmap::FromBlob(std::string_view blob) {
  PrecompiledCharsmap out;
  if (blob.empty()) return out;
  if (blob.size() < 4) return absl::InvalidArgumentError("Precompiled: charsmap shorter than its header");
  auto u32_at = [&](size_t pos) {
    const auto* p = reinterpret_cast<const unsigned char*>(blob.data()) + pos;
    return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
           (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  };
  uint32_t trie_size = u32_at(0);
  size_t units = trie_size / 4;
  if (4 + units * 4 > blob.size()) {
    return absl::InvalidArgumentError("Precompiled: trie size exceeds the charsmap");
  }
  out.trie_.reserve(units);
  for (size_t k = 0; k < units; ++k) out.trie_.push_back(u32_at(4 + k * 4));
  out.normalized_.assign(blob.substr(4 + units * 4));
  if (!IsValidUtf8(out.normalized_)) {
    return absl::InvalidArgumentError("Precompiled: replacement strings are not valid UTF-8");
  }
  return out;
}

std::optional<std::string_view> PrecompiledCharsmap::Transform(std::string_view chunk) const {
  if (trie_.empty()) return std::nullopt;
  size_t node = 0;
  uint32_t unit = trie_[node];
  node ^= Offset(unit);
  for (unsigned char c : chunk) {
    if (c == 0) break;
    node ^= c;
    if (node >= trie_.size()) return std::nullopt;
    unit = trie_[node];
    if (Label(unit) != c) return std::nullopt;
    node ^= Offset(unit);
    if (node >= trie_.size()) return std::nullopt;
    if (HasLeaf(unit)) {
      // The first (shortest) entry wins, as in spm_precompiled's transform().
      size_t index = Value(trie_[node]);
      if (index > normalized_.size()) return std::nullopt;
      size_t end = normalized_.find('\0', index);
      if (end == std::string::npos) end = normalized_.size();
      std::string_view replacement(normalized_.data() + index, end - index);
      if (!IsValidUtf8(replacement) ||
          (index < normalized_.size() && (static_cast<unsigned char>(normalized_[index]) & 0xC0) == 0x80)) {
        return std::nullopt;
      }
      return replacement;
    }
  }
  return std::nullopt;
}

void PrecompiledCharsmap::Normalize(NormalizedString& s) const {
  if (trie_.empty() || s.empty()) return;
  const std::string& text = s.get();
  std::vector<NormalizedString::Change> changes;
  changes.reserve(text.size());
  bool modified = false;
  std::vector<size_t> bounds = GraphemeBoundaries(text);
  for (size_t b = 0; b + 1 < bounds.size(); ++b) {
    std::string_view grapheme(text.data() + bounds[b], bounds[b + 1] - bounds[b]);
    if (grapheme.size() < 6) {
      if (auto norm = Transform(grapheme)) {
        modified = true;
        AppendReplacement(changes, grapheme, *norm);
        continue;
      }
    }
    for (size_t i = 0; i < grapheme.size();) {
      size_t start = i;
      char32_t c = NextCodePoint(grapheme, i);
      std::string_view part = grapheme.substr(start, i - start);
      if (auto norm = Transform(part)) {
        modified = true;
        AppendReplacement(changes, part, *norm);
      } else {
        changes.emplace_back(c, 0);
      }
    }
  }
  if (modified) s.Transform(changes, 0);
}

}  // namespace basalt::tokenizer
