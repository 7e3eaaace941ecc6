#pragma once
// tokenizer_config.json: the public TokenizerConfig plus what loading needs to reproduce
// transformers' PreTrainedTokenizerFast (extra added/special tokens, Llama-style BOS/EOS).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tokenizer/added_vocabulary.h"
#include "common/tokenizer/tokenizer.h"

namespace basalt::tokenizer {

// A special-token attribute value: an AddedToken (dict form, or a string that names a known added
// token) or a plain string.
struct SpecialTokenValue {
  std::optional<AddedToken> token;
  std::string text;
  bool additional = false;  // from additional_special_tokens
};

struct ParsedTokenizerConfig {
  TokenizerConfig config;
  std::string tokenizer_class;
  std::optional<bool> add_bos_token;
  std::optional<bool> add_eos_token;
  std::optional<bool> add_prefix_space;
  bool split_special_tokens = false;
  // "added_tokens_decoder", sorted by id (empty when the file has none).
  std::vector<std::pair<int32_t, AddedToken>> added_tokens_decoder;
  bool has_added_tokens_decoder = false;
  // bos, eos, unk, sep, pad, cls, mask, then additional_special_tokens, as transformers lists them.
  std::vector<SpecialTokenValue> special_tokens;
};

// Parses tokenizer_config.json ("" or "{}" for none).
absl::StatusOr<ParsedTokenizerConfig> ParseTokenizerConfig(std::string_view json_text);

}  // namespace basalt::tokenizer
