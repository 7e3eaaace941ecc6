#include "gateway/chat_prompt.h"

#include "absl/strings/str_cat.h"
#include "gateway/openai/api_error.h"

namespace basalt::gateway {
namespace {

void AddString(rapidjson::Document& context, const char* key, const std::optional<std::string>& value) {
  if (!value.has_value()) return;
  context.AddMember(rapidjson::StringRef(key), rapidjson::Value(value->c_str(), static_cast<rapidjson::SizeType>(value->size()), context.GetAllocator()),
                    context.GetAllocator());
}

}  // namespace

absl::StatusOr<std::string> RenderChatPrompt(const ServedModel& model, const openai::ChatPromptRequest& request) {
  if (model.chat_template == nullptr) return openai::InvalidRequest("messages", model.chat_template_error);
  const tokenizer::TokenizerConfig& config = model.tokenizer->config();

  rapidjson::Document context(rapidjson::kObjectType);
  auto& a = context.GetAllocator();
  context.AddMember("messages", rapidjson::Value(request.messages, a), a);
  // With tool_choice "none" the model is not told about the tools at all. Like transformers'
  // apply_chat_template, `tools` and `documents` are always defined (None when absent): templates tell
  // "is defined" from "is not none".
  if (request.ToolsEnabled()) {
    context.AddMember("tools", rapidjson::Value(request.tools, a), a);
  } else {
    context.AddMember("tools", rapidjson::Value(rapidjson::kNullType), a);
  }
  context.AddMember("documents", rapidjson::Value(rapidjson::kNullType), a);
  const bool continue_final = request.continue_final_message;
  context.AddMember("add_generation_prompt", request.add_generation_prompt && !continue_final, a);
  AddString(context, "bos_token", config.bos_token);
  AddString(context, "eos_token", config.eos_token);
  AddString(context, "unk_token", config.unk_token);
  AddString(context, "pad_token", config.pad_token);
  if (request.chat_template_kwargs.IsObject()) {
    for (auto it = request.chat_template_kwargs.MemberBegin(); it != request.chat_template_kwargs.MemberEnd(); ++it) {
      absl::string_view key(it->name.GetString(), it->name.GetStringLength());
      if (key == "messages" || key == "tools") continue;  // the request's own fields win
      context.RemoveMember(it->name);
      context.AddMember(rapidjson::Value(it->name, a), rapidjson::Value(it->value, a), a);
    }
  }

  absl::StatusOr<std::string> rendered = model.chat_template->Render(context);
  if (!rendered.ok()) {
    if (rendered.status().code() == absl::StatusCode::kInvalidArgument) {
      return openai::InvalidRequest("messages", absl::StrCat("The chat template rejected the messages: ",
                                                             rendered.status().message()));
    }
    return rendered.status();
  }
  if (!continue_final) return rendered;

  // Cut after the final message's content, so that the model continues it (vLLM's rule).
  const rapidjson::Value& last = request.messages[request.messages.Size() - 1];
  absl::string_view content(last["content"].GetString(), last["content"].GetStringLength());
  size_t pos = content.empty() ? std::string::npos : rendered->rfind(content.data(), std::string::npos, content.size());
  if (pos == std::string::npos) {
    return openai::InvalidRequest("continue_final_message",
                                  "continue_final_message needs a final message with content that the chat "
                                  "template renders verbatim.");
  }
  rendered->resize(pos + content.size());
  return rendered;
}

}  // namespace basalt::gateway
