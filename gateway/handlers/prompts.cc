#include "gateway/handlers/prompts.h"

#include "absl/strings/str_cat.h"
#include "gateway/openai/api_error.h"

namespace basalt::gateway {

uint32_t VocabSize(const ServedModel& model) {
  if (model.info.vocab_size() > 0) return model.info.vocab_size();
  return static_cast<uint32_t>(model.tokenizer->VocabSize());
}

absl::StatusOr<std::vector<int32_t>> PromptTokenIds(const ServedModel& model, const openai::Prompt& prompt,
                                                    absl::string_view param, bool add_special_tokens) {
  std::vector<int32_t> ids;
  if (prompt.text.has_value()) {
    absl::StatusOr<tokenizer::Encoding> encoding = model.tokenizer->Encode(*prompt.text, add_special_tokens);
    if (!encoding.ok()) return openai::InvalidRequest(param, encoding.status().message());
    ids = std::move(encoding->ids);
  } else {
    const uint32_t vocab = VocabSize(model);
    for (int32_t id : prompt.ids) {
      if (id < 0 || static_cast<uint32_t>(id) >= vocab) {
        return openai::InvalidRequest(param, absl::StrCat("Token id ", id, " in '", param,
                                                          "' is outside the vocabulary (size ", vocab, ")."));
      }
    }
    ids = prompt.ids;
  }
  if (ids.empty()) {
    // An empty prompt: the model starts from BOS, as generation from nothing does in transformers.
    if (model.info.bos_token_id() < 0) {
      return openai::InvalidRequest(param, "The prompt is empty, and this model has no BOS token to start from.");
    }
    ids.push_back(model.info.bos_token_id());
  }
  return ids;
}

}  // namespace basalt::gateway
