#pragma once
// Regexes from tokenizer.json, run by PCRE2 (UTF + UCP, JIT). The files are written for Oniguruma
// (what the Rust crate uses), so a few escapes whose Unicode meaning differs in PCRE2 are translated
// before compiling: \s \S (White_Space), \w \W \b \B (Oniguruma's word set), \h \H (hex digits).
// Everything else (\p{..}, (?i:..), possessive quantifiers, lookaround) is passed through as is.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace basalt::tokenizer {

class Regex {
 public:
  static absl::StatusOr<std::unique_ptr<Regex>> Compile(std::string_view pattern);
  // A regex that matches `literal` exactly.
  static absl::StatusOr<std::unique_ptr<Regex>> Literal(std::string_view literal);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Appends every match [start, end) of `text` (valid UTF-8), left to right, as Oniguruma's
  // find_iter yields them: an empty match right after the previous match is skipped.
  absl::Status FindAll(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

  const std::string& pattern() const { return pattern_; }

 private:
  Regex(std::string pattern, void* code) : pattern_(std::move(pattern)), code_(code) {}
  std::string pattern_;
  void* code_;  // pcre2_code*
};

// The Oniguruma-to-PCRE2 translation described above (exposed for tests).
std::string TranslateOnigurumaPattern(std::string_view pattern);

}  // namespace basalt::tokenizer
