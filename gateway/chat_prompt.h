#pragma once
// Chat messages -> prompt text, with the model's chat template, as vLLM and transformers'
// apply_chat_template do: the template sees messages, tools, add_generation_prompt, the tokenizer's
// bos/eos/unk/pad token strings and the request's chat_template_kwargs.
#include <string>

#include "absl/status/statusor.h"
#include "gateway/openai/chat_request.h"
#include "gateway/served_model.h"

namespace basalt::gateway {

// 400 when the model has no (compilable) chat template or the template rejects the messages
// (raise_exception). With continue_final_message the text ends right after the final message's content.
absl::StatusOr<std::string> RenderChatPrompt(const ServedModel& model, const openai::ChatPromptRequest& request);

}  // namespace basalt::gateway
