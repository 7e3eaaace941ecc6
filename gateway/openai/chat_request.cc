#include "gateway/openai/chat_request.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/openai/api_error.h"

namespace basalt::gateway::openai {
namespace {

constexpr int64_t kOpenAiMaxTopLogprobs = 20;

using Allocator = rapidjson::Document::AllocatorType;

rapidjson::Value Str(absl::string_view s, Allocator& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

bool IsMediaPart(absl::string_view type) {
  return type == "image_url" || type == "image" || type == "input_image" || type == "input_audio" ||
         type == "audio_url" || type == "video_url" || type == "file";
}

// Content: a string, or an array of parts of which only text parts are supported. Joined with "\n"
// (vLLM's "string" content format, which every text-only template understands).
absl::StatusOr<std::string> ReadContent(const rapidjson::Value& content, const std::string& param) {
  if (content.IsString()) return std::string(content.GetString(), content.GetStringLength());
  if (!content.IsArray()) return InvalidType(param, "a string or an array of content parts", DescribeType(content));
  std::vector<std::string> texts;
  for (rapidjson::SizeType j = 0; j < content.Size(); ++j) {
    const rapidjson::Value& part = content[j];
    std::string part_param = absl::StrCat(param, "[", j, "]");
    if (!part.IsObject()) return InvalidType(part_param, "an object", DescribeType(part));
    FieldReader reader(part, part_param + ".");
    std::optional<std::string> type = reader.String("type");
    if (!reader.ok()) return reader.status();
    if (!type) return MissingParameter(part_param + ".type");
    if (*type == "text") {
      std::optional<std::string> text = reader.String("text");
      if (!reader.ok()) return reader.status();
      if (!text) return MissingParameter(part_param + ".text");
      texts.push_back(*std::move(text));
    } else if (*type == "refusal") {
      std::optional<std::string> text = reader.String("refusal");
      if (!reader.ok()) return reader.status();
      texts.push_back(text.value_or(""));
    } else if (IsMediaPart(*type)) {
      return InvalidRequest(part_param, absl::StrCat("Content parts of type '", *type,
                                                     "' are not supported: the served model takes text only."));
    } else {
      return InvalidRequest(part_param + ".type", absl::StrCat("Invalid content part type '", *type,
                                                               "'; supported: 'text'."));
    }
  }
  return absl::StrJoin(texts, "\n");
}

// Assistant tool calls, with `arguments` parsed into an object when it is a JSON object (templates
// render it with tojson).
absl::Status ReadToolCalls(const rapidjson::Value& calls, const std::string& param, rapidjson::Value* out,
                           Allocator& a) {
  if (!calls.IsArray()) return InvalidType(param, "an array", DescribeType(calls));
  out->SetArray();
  for (rapidjson::SizeType k = 0; k < calls.Size(); ++k) {
    const rapidjson::Value& call = calls[k];
    std::string call_param = absl::StrCat(param, "[", k, "]");
    if (!call.IsObject()) return InvalidType(call_param, "an object", DescribeType(call));
    FieldReader reader(call, call_param + ".");
    std::optional<std::string> id = reader.String("id");
    std::optional<std::string> type = reader.String("type");
    const rapidjson::Value* function = reader.Object("function");
    if (!reader.ok()) return reader.status();
    if (type && *type != "function") {
      return InvalidRequest(call_param + ".type", "Only tool calls of type 'function' are supported.");
    }
    if (function == nullptr) return MissingParameter(call_param + ".function");
    FieldReader fn(*function, call_param + ".function.");
    std::optional<std::string> name = fn.String("name");
    std::optional<std::string> arguments = fn.String("arguments");
    if (!fn.ok()) return fn.status();
    if (!name) return MissingParameter(call_param + ".function.name");

    rapidjson::Value fn_out(rapidjson::kObjectType);
    fn_out.AddMember("name", Str(*name, a), a);
    rapidjson::Document parsed(&a);
    parsed.Parse(arguments.value_or("{}").c_str());
    if (!parsed.HasParseError() && parsed.IsObject()) {
      fn_out.AddMember("arguments", rapidjson::Value(parsed, a), a);
    } else {
      fn_out.AddMember("arguments", Str(arguments.value_or(""), a), a);
    }
    rapidjson::Value call_out(rapidjson::kObjectType);
    if (id) call_out.AddMember("id", Str(*id, a), a);
    call_out.AddMember("type", "function", a);
    call_out.AddMember("function", fn_out, a);
    out->PushBack(call_out, a);
  }
  return absl::OkStatus();
}

absl::Status ReadMessage(const rapidjson::Value& message, size_t i, rapidjson::Value* out, Allocator& a) {
  const std::string param = absl::StrCat("messages[", i, "]");
  if (!message.IsObject()) return InvalidType(param, "an object", DescribeType(message));
  const rapidjson::Value* role_value = nullptr;
  if (auto it = message.FindMember("role"); it != message.MemberEnd()) role_value = &it->value;
  if (role_value == nullptr || role_value->IsNull()) return MissingParameter(param + ".role");
  if (!role_value->IsString()) return InvalidType(param + ".role", "a string", DescribeType(*role_value));
  std::string role(role_value->GetString(), role_value->GetStringLength());
  static const char* const kRoles[] = {"system", "developer", "user", "assistant", "tool"};
  if (std::none_of(std::begin(kRoles), std::end(kRoles), [&](const char* r) { return role == r; })) {
    return InvalidRequest(param + ".role", absl::StrCat("Invalid value: '", role, "'. Supported values are: "
                                                        "'system', 'developer', 'user', 'assistant' and 'tool'."));
  }
  // Templates know `system`; OpenAI's `developer` role means the same for these models.
  if (role == "developer") role = "system";

  out->SetObject();
  out->AddMember("role", Str(role, a), a);
  const rapidjson::Value* content = nullptr;
  if (auto it = message.FindMember("content"); it != message.MemberEnd() && !it->value.IsNull()) {
    content = &it->value;
  }
  const rapidjson::Value* tool_calls = nullptr;
  if (auto it = message.FindMember("tool_calls"); it != message.MemberEnd() && !it->value.IsNull()) {
    tool_calls = &it->value;
  }
  if (content == nullptr && !(role == "assistant")) return MissingParameter(param + ".content");
  std::string text;
  if (content != nullptr) {
    absl::StatusOr<std::string> read = ReadContent(*content, param + ".content");
    if (!read.ok()) return read.status();
    text = *std::move(read);
  }
  // Null content becomes "": templates concatenate it.
  out->AddMember("content", Str(text, a), a);

  for (const char* key : {"name", "tool_call_id", "reasoning_content"}) {
    auto it = message.FindMember(key);
    if (it == message.MemberEnd() || it->value.IsNull()) continue;
    if (!it->value.IsString()) return InvalidType(absl::StrCat(param, ".", key), "a string", DescribeType(it->value));
    out->AddMember(rapidjson::StringRef(key), Str({it->value.GetString(), it->value.GetStringLength()}, a), a);
  }
  if (role == "tool" && !out->HasMember("tool_call_id")) return MissingParameter(param + ".tool_call_id");
  if (tool_calls != nullptr) {
    if (role != "assistant") {
      return InvalidRequest(param + ".tool_calls", "Only assistant messages may have 'tool_calls'.");
    }
    rapidjson::Value calls;
    absl::Status status = ReadToolCalls(*tool_calls, param + ".tool_calls", &calls, a);
    if (!status.ok()) return status;
    out->AddMember("tool_calls", calls, a);
  }
  return absl::OkStatus();
}

void ReadMessages(FieldReader& reader, rapidjson::Document* out) {
  out->SetNull();
  const rapidjson::Value* messages = reader.Require("messages");
  if (messages == nullptr) return;
  if (!messages->IsArray()) {
    reader.Fail(InvalidType("messages", "an array", DescribeType(*messages)));
    return;
  }
  if (messages->Empty()) {
    reader.Fail(InvalidRequest("messages", "'messages' must contain at least one message."));
    return;
  }
  out->SetArray();
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    rapidjson::Value message;
    absl::Status status = ReadMessage((*messages)[i], i, &message, out->GetAllocator());
    if (!status.ok()) {
      reader.Fail(status);
      return;
    }
    out->PushBack(message, out->GetAllocator());
  }
}

void ReadTools(FieldReader& reader, rapidjson::Document* out) {
  out->SetNull();
  const rapidjson::Value* tools = reader.Array("tools");
  if (tools == nullptr) return;
  for (rapidjson::SizeType i = 0; i < tools->Size(); ++i) {
    const rapidjson::Value& tool = (*tools)[i];
    std::string param = absl::StrCat("tools[", i, "]");
    if (!tool.IsObject()) return reader.Fail(InvalidType(param, "an object", DescribeType(tool)));
    FieldReader tr(tool, param + ".");
    std::optional<std::string> type = tr.String("type");
    const rapidjson::Value* function = tr.Object("function");
    if (!tr.ok()) return reader.Fail(tr.status());
    if (type.value_or("function") != "function") {
      return reader.Fail(InvalidRequest(param + ".type", "Only tools of type 'function' are supported."));
    }
    if (function == nullptr) return reader.Fail(MissingParameter(param + ".function"));
    FieldReader fr(*function, param + ".function.");
    std::optional<std::string> name = fr.String("name");
    fr.String("description");
    fr.Object("parameters");
    fr.Bool("strict");
    absl::Status status = fr.Finish();
    if (!status.ok()) return reader.Fail(status);
    if (!name || name->empty()) return reader.Fail(MissingParameter(param + ".function.name"));
  }
  // Templates receive the tools exactly as given (`tool | tojson`).
  out->CopyFrom(*tools, out->GetAllocator());
}

void ReadToolChoice(FieldReader& reader, ChatPromptRequest* out) {
  const rapidjson::Value* choice = reader.Get("tool_choice");
  if (choice == nullptr) return;
  if (choice->IsString()) {
    absl::string_view value(choice->GetString(), choice->GetStringLength());
    if (value == "auto") return;
    if (value == "none") {
      out->tool_choice = ToolChoice::kNone;
      return;
    }
    if (value == "required") {
      return reader.Fail(InvalidRequest("tool_choice", "tool_choice 'required' is not supported yet (Basalt does "
                                                       "not constrain decoding); use 'auto'."));
    }
    return reader.Fail(InvalidRequest("tool_choice", absl::StrCat("Invalid value: '", value, "'. Supported values "
                                                                  "are: 'none', 'auto'.")));
  }
  if (choice->IsObject()) {
    return reader.Fail(InvalidRequest("tool_choice", "Forcing a named function with tool_choice is not supported "
                                                     "yet (Basalt does not constrain decoding); use 'auto'."));
  }
  reader.Fail(InvalidType("tool_choice", "a string or an object", DescribeType(*choice)));
}

void ReadResponseFormat(FieldReader& reader) {
  const rapidjson::Value* format = reader.Object("response_format");
  if (format == nullptr) return;
  FieldReader fr(*format, "response_format.");
  std::optional<std::string> type = fr.String("type");
  if (!fr.ok()) return reader.Fail(fr.status());
  if (!type) return reader.Fail(MissingParameter("response_format.type"));
  if (*type == "text") return;
  if (*type == "json_object" || *type == "json_schema") {
    return reader.Fail(InvalidRequest("response_format", absl::StrCat("response_format '", *type,
                                                                      "' is not supported yet (Basalt does not "
                                                                      "constrain decoding); use 'text'.")));
  }
  reader.Fail(InvalidRequest("response_format.type", absl::StrCat("Invalid value: '", *type, "'. Supported "
                                                                  "values are: 'text', 'json_object' and "
                                                                  "'json_schema'.")));
}

}  // namespace

void ReadChatPromptFields(FieldReader& reader, ChatPromptRequest* out) {
  ReadMessages(reader, &out->messages);
  ReadTools(reader, &out->tools);
  ReadToolChoice(reader, out);
  out->add_generation_prompt = reader.Bool("add_generation_prompt").value_or(true);
  out->continue_final_message = reader.Bool("continue_final_message").value_or(false);
  out->chat_template_kwargs.SetNull();
  if (const rapidjson::Value* kwargs = reader.Object("chat_template_kwargs")) {
    out->chat_template_kwargs.CopyFrom(*kwargs, out->chat_template_kwargs.GetAllocator());
  }
  if (!reader.ok()) return;
  if (out->add_generation_prompt && out->continue_final_message) {
    reader.Fail(InvalidRequest("continue_final_message",
                               "'continue_final_message' needs 'add_generation_prompt': false (both cannot be "
                               "true)."));
  }
}

absl::StatusOr<ChatRequest> ParseChatRequest(const rapidjson::Value& body, const Limits& limits) {
  if (!body.IsObject()) return InvalidRequest("", "The request body must be a JSON object.");
  ChatRequest request;
  FieldReader reader(body);
  if (const rapidjson::Value* model = reader.Require("model")) {
    if (!model->IsString()) return InvalidType("model", "a string", DescribeType(*model));
    request.model.assign(model->GetString(), model->GetStringLength());
  }
  ReadChatPromptFields(reader, &request.prompt);
  request.sampling = ReadSamplingRequest(reader, limits, {"max_completion_tokens", "max_tokens"});
  request.logprobs = reader.Bool("logprobs").value_or(false);
  request.top_logprobs =
      reader.Int("top_logprobs", 0, std::min(kOpenAiMaxTopLogprobs, limits.max_logprobs)).value_or(0);
  request.add_special_tokens = reader.Bool("add_special_tokens").value_or(false);
  ReadResponseFormat(reader);
  reader.Bool("parallel_tool_calls");
  reader.Bool("store");
  reader.Object("metadata");
  reader.String("service_tier");
  reader.String("prompt_cache_key");
  reader.String("safety_identifier");
  absl::Status status = reader.Finish();
  if (!status.ok()) return status;
  if (request.top_logprobs > 0 && !request.logprobs) {
    return InvalidRequest("top_logprobs", "'top_logprobs' needs 'logprobs': true.");
  }
  return request;
}

}  // namespace basalt::gateway::openai
