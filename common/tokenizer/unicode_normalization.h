#pragma once
// NFC/NFD/NFKC/NFKD as (character, change) edits for NormalizedString::Transform, with the changes
// the Rust crate's unicode-normalization-alignments produces (each decomposed character carries its
// change through canonical reordering; a composition adds the changes of what it absorbs).
#include <string_view>
#include <utility>
#include <vector>

namespace basalt::tokenizer {

enum class NormalizationForm { kNFC, kNFD, kNFKC, kNFKD };

// Fills `changes` for normalizing `text` (valid UTF-8); false (and no changes) when `text` is
// already normalized.
bool NormalizationChanges(std::string_view text, NormalizationForm form,
                          std::vector<std::pair<char32_t, int>>& changes);

}  // namespace basalt::tokenizer
