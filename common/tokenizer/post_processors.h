#pragma once
// Post-processors of tokenizer.json ("post_processor"): add the special tokens around a single
// sequence (TemplateProcessing, RobertaProcessing, BertProcessing) and trim offsets (ByteLevel).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tokenizer/tokenizer.h"
#include "rapidjson/document.h"

namespace basalt::tokenizer {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void Process(Encoding& encoding, bool add_special_tokens) const = 0;
};

absl::StatusOr<std::unique_ptr<PostProcessor>> MakePostProcessor(const rapidjson::Value& json);

// The TemplateProcessing that transformers' Llama/Gemma fast tokenizers build from
// add_bos_token/add_eos_token: "[bos] $A [eos]".
std::unique_ptr<PostProcessor> MakeBosEosTemplate(std::optional<std::pair<std::string, int32_t>> bos,
                                                  std::optional<std::pair<std::string, int32_t>> eos);

}  // namespace basalt::tokenizer
