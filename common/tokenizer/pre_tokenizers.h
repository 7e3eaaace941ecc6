#pragma once
// Pre-tokenizers of tokenizer.json ("pre_tokenizer"): each cuts the pieces of a PreTokenizedString
// into smaller ones (and may edit them: ByteLevel, Metaspace).
#include <memory>

#include "absl/status/statusor.h"
#include "common/tokenizer/pre_tokenized_string.h"
#include "rapidjson/document.h"

namespace basalt::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual absl::Status PreTokenize(PreTokenizedString& pretokenized) const = 0;
};

// Builds a pre-tokenizer from its JSON object (ByteLevel, Split, Metaspace, Whitespace,
// WhitespaceSplit, Punctuation, Digits, BertPreTokenizer, UnicodeScripts, CharDelimiterSplit,
// FixedLength, Sequence).
absl::StatusOr<std::unique_ptr<PreTokenizer>> MakePreTokenizer(const rapidjson::Value& json);

// Parses a SplitDelimiterBehavior name ("Removed", "Isolated", ...).
absl::StatusOr<SplitBehavior> ParseSplitBehavior(std::string_view name);

}  // namespace basalt::tokenizer
