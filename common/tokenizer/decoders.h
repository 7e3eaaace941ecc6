#pragma once
// Decoders of tokenizer.json ("decoder"): turn the token strings of a sequence of ids back into
// text, as a chain of string-list transforms (the Rust decode_chain), joined at the end.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"

namespace basalt::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void DecodeChain(std::vector<std::string>& tokens) const = 0;
  std::string Decode(std::vector<std::string> tokens) const;
  // True when runs of "<0xAB>" tokens are decoded together (ByteFallback): the text of a run that
  // may still grow is not final.
  virtual bool DecodesByteRuns() const { return false; }
};

// ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, WordPiece, BPEDecoder, CTC, Sequence.
absl::StatusOr<std::unique_ptr<Decoder>> MakeDecoder(const rapidjson::Value& json);

// transformers' clean_up_tokenization (" ." -> ".", " n't" -> "n't", ...).
std::string CleanUpTokenization(std::string text);

}  // namespace basalt::tokenizer
