#pragma once
// Prompt -> token ids, checked against the served model. The gateway tokenizes prompts itself (to count
// tokens and enforce limits before the worker sees them) and sends the worker token ids.
#include <cstdint>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/openai/completions_request.h"
#include "gateway/served_model.h"

namespace basalt::gateway {

// Size of the id space the worker accepts.
uint32_t VocabSize(const ServedModel& model);

// A text prompt is encoded with the tokenizer's special tokens (BOS ...), as transformers does; token
// ids are checked against the vocabulary. An empty result becomes the BOS token when the model has one.
absl::StatusOr<std::vector<int32_t>> PromptTokenIds(const ServedModel& model, const openai::Prompt& prompt,
                                                    absl::string_view param, bool add_special_tokens = true);

}  // namespace basalt::gateway
