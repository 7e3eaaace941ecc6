#pragma once
// SentencePiece's precompiled_charsmap (the Precompiled normalizer): a little-endian u32 trie size,
// a Darts-clone double-array trie over UTF-8 bytes, then NUL-terminated replacement strings.
// Applied per grapheme cluster, as the Rust crate (spm_precompiled) applies it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tokenizer/normalized_string.h"

namespace basalt::tokenizer {

class PrecompiledCharsmap {
 public:
  // Parses the base64 text of tokenizer.json's "precompiled_charsmap".
  static absl::StatusOr<PrecompiledCharsmap> FromBase64(std::string_view base64);
  // Parses the decoded blob.
  static absl::StatusOr<PrecompiledCharsmap> FromBlob(std::string_view blob);

  // The replacement of the shortest trie entry that prefixes `chunk` (nullopt when none).
  std::optional<std::string_view> Transform(std::string_view chunk) const;

  void Normalize(NormalizedString& s) const;

  bool empty() const { return trie_.empty(); }

 private:
  std::vector<uint32_t> trie_;
  std::string normalized_;
};

}  // namespace basalt::tokenizer
