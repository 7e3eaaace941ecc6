#include "common/tokenizer/unicode_normalization.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <optional>

#include "common/tokenizer/unicode.h"

namespace basalt::tokenizer {
namespace {

using Change = std::pair<char32_t, int>;

struct Forms {
  const icu::Normalizer2* whole = nullptr;      // the requested form (fast checks, boundaries)
  const icu::Normalizer2* decompose = nullptr;  // NFD or NFKD
  const icu::Normalizer2* nfc = nullptr;        // for primary composition
  bool compose = false;
};

Forms GetForms(NormalizationForm form) {
  UErrorCode status = U_ZERO_ERROR;
  Forms f;
  bool compat = form == NormalizationForm::kNFKC || form == NormalizationForm::kNFKD;
  f.compose = form == NormalizationForm::kNFC || form == NormalizationForm::kNFKC;
  f.decompose = compat ? icu::Normalizer2::getNFKDInstance(status) : icu::Normalizer2::getNFDInstance(status);
  f.nfc = icu::Normalizer2::getNFCInstance(status);
  switch (form) {
    case NormalizationForm::kNFC: f.whole = icu::Normalizer2::getNFCInstance(status); break;
    case NormalizationForm::kNFD: f.whole = f.decompose; break;
    case NormalizationForm::kNFKC: f.whole = icu::Normalizer2::getNFKCInstance(status); break;
    case NormalizationForm::kNFKD: f.whole = f.decompose; break;
  }
  if (U_FAILURE(status)) return Forms{};
  return f;
}

uint8_t Ccc(char32_t c) { return u_getCombiningClass(static_cast<UChar32>(c)); }

// The decomposition stream of `chars`: each character's full decomposition, the first piece with
// change 0 and the rest +1, non-starters stably sorted by combining class (canonical order).
void Decompose(const std::vector<char32_t>& chars, const icu::Normalizer2& decomposer,
               std::vector<Change>& out) {
  struct Item {
    uint8_t ccc;
    Change change;
  };
  std::vector<Item> buffer;
  size_t ready_end = 0;
  auto sort_pending = [&]() {
    std::stable_sort(buffer.begin() + static_cast<std::ptrdiff_t>(ready_end), buffer.end(),
                     [](const Item& a, const Item& b) { return a.ccc < b.ccc; });
    ready_end = buffer.size();
  };
  for (char32_t c : chars) {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString decomposed = decomposer.normalize(icu::UnicodeString(static_cast<UChar32>(c)), status);
    if (U_FAILURE(status)) decomposed = icu::UnicodeString(static_cast<UChar32>(c));
    bool first = true;
    for (int32_t i = 0; i < decomposed.length();) {
      UChar32 d = decomposed.char32At(i);
      i += U16_LENGTH(d);
      uint8_t ccc = Ccc(static_cast<char32_t>(d));
      if (ccc == 0) sort_pending();
      buffer.push_back(Item{ccc, {static_cast<char32_t>(d), first ? 0 : 1}});
      first = false;
    }
  }
  sort_pending();
  for (const Item& item : buffer) out.push_back(item.change);
}

// Canonical composition of a decomposed stream, carrying changes: a composite takes the changes of
// both parts minus one.
void Compose(const std::vector<Change>& in, const icu::Normalizer2& nfc, std::vector<Change>& out) {
  std::optional<Change> composee;
  std::optional<uint8_t> last_ccc;
  std::vector<Change> blocked;  // non-starters kept between the composee and what follows
  auto compose = [&](char32_t a, char32_t b) -> std::optional<char32_t> {
    UChar32 r = nfc.composePair(static_cast<UChar32>(a), static_cast<UChar32>(b));
    if (r < 0) return std::nullopt;
    return static_cast<char32_t>(r);
  };
  for (const Change& item : in) {
    uint8_t ccc = Ccc(item.first);
    if (!composee) {
      if (ccc != 0) {
        out.push_back(item);
        continue;
      }
      composee = item;
      continue;
    }
    if (!last_ccc) {
      if (auto r = compose(composee->first, item.first)) {
        composee = Change{*r, composee->second + item.second - 1};
        continue;
      }
      if (ccc == 0) {
        out.push_back(*composee);
        composee = item;
        continue;
      }
      blocked.push_back(item);
      last_ccc = ccc;
      continue;
    }
    if (*last_ccc >= ccc) {  // blocked from the composee
      if (ccc == 0) {
        out.push_back(*composee);
        out.insert(out.end(), blocked.begin(), blocked.end());
        blocked.clear();
        composee = item;
        last_ccc.reset();
        continue;
      }
      blocked.push_back(item);
      last_ccc = ccc;
      continue;
    }
    if (auto r = compose(composee->first, item.first)) {
      composee = Change{*r, composee->second + item.second - 1};
      continue;
    }
    blocked.push_back(item);
    last_ccc = ccc;
  }
  if (composee) out.push_back(*composee);
  out.insert(out.end(), blocked.begin(), blocked.end());
}

}  // namespace

bool NormalizationChanges(std::string_view text, NormalizationForm form, std::vector<Change>& changes) {
  Forms f = GetForms(form);
  if (f.whole == nullptr) return false;
  UErrorCode status = U_ZERO_ERROR;
  if (f.whole->isNormalizedUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())), status) &&
      U_SUCCESS(status)) {
    return false;
  }
  // Chunks between normalization boundaries are independent: unchanged ones are copied as they are,
  // the others go through decomposition (and composition).
  changes.clear();
  changes.reserve(text.size());
  std::vector<char32_t> chars;
  std::vector<Change> decomposed;
  auto flush = [&](size_t start, size_t end) {
    if (end <= start) return;
    std::string_view chunk = text.substr(start, end - start);
    chars.clear();
    for (size_t i = 0; i < chunk.size();) chars.push_back(NextCodePoint(chunk, i));
    UErrorCode st = U_ZERO_ERROR;
    if (f.whole->isNormalizedUTF8(icu::StringPiece(chunk.data(), static_cast<int32_t>(chunk.size())), st) &&
        U_SUCCESS(st)) {
      for (char32_t c : chars) changes.emplace_back(c, 0);
      return;
    }
    decomposed.clear();
    Decompose(chars, *f.decompose, decomposed);
    if (f.compose) {
      Compose(decomposed, *f.nfc, changes);
    } else {
      changes.insert(changes.end(), decomposed.begin(), decomposed.end());
    }
  };
  size_t chunk_start = 0;
  for (size_t i = 0; i < text.size();) {
    size_t at = i;
    char32_t c = NextCodePoint(text, i);
    if (at > chunk_start && f.whole->hasBoundaryBefore(static_cast<UChar32>(c))) {
      flush(chunk_start, at);
      chunk_start = at;
    }
  }
  flush(chunk_start, text.size());
  return true;
}

}  // namespace basalt::tokenizer
