#pragma once
// The pipeline behind the public Tokenizer: tokenizer.json's components and tokenizer_config.json.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/tokenizer/added_vocabulary.h"
#include "common/tokenizer/decoders.h"
#include "common/tokenizer/models.h"
#include "common/tokenizer/normalizers.h"
#include "common/tokenizer/post_processors.h"
#include "common/tokenizer/pre_tokenizers.h"
#include "common/tokenizer/tokenizer.h"

namespace basalt::tokenizer {

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;        // may be null
  std::unique_ptr<PreTokenizer> pre_tokenizer;   // may be null
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor;  // may be null
  std::unique_ptr<Decoder> decoder;              // may be null
  AddedVocabulary added;
  TokenizerConfig config;

  // The string decoding uses for `id` (an added token's normalized form, or the vocabulary
  // entry); nullopt for ids outside the vocabulary.
  std::optional<std::string> DecodeToken(int32_t id) const;
  // Decodes ids through the decoder chain, without transformers' clean-up (Decode adds it when
  // tokenizer_config.json asks for it).
  std::string DecodeIds(absl::Span<const int32_t> ids, bool skip_special_tokens) const;
};

}  // namespace basalt::tokenizer
