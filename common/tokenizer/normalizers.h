#pragma once
// Normalizers of tokenizer.json ("normalizer"): each edits a NormalizedString in place.
#include <memory>

#include "absl/status/statusor.h"
#include "common/tokenizer/normalized_string.h"
#include "rapidjson/document.h"

namespace basalt::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual absl::Status Normalize(NormalizedString& s) const = 0;
};

// Builds a normalizer from its JSON object (BertNormalizer, Strip, StripAccents, NFC, NFD, NFKC,
// NFKD, Lowercase, Nmt, Precompiled, Replace, Prepend, ByteLevel, Sequence).
absl::StatusOr<std::unique_ptr<Normalizer>> MakeNormalizer(const rapidjson::Value& json);

}  // namespace basalt::tokenizer
