#include "gateway/openai/tool_call_parser.h"

#include "absl/strings/ascii.h"
#include "common/json/json.h"
#include "gateway/openai/ids.h"

namespace basalt::gateway::openai {
namespace {

constexpr absl::string_view kStart = "<tool_call>";
constexpr absl::string_view kEnd = "</tool_call>";

// One call's JSON: {"name": "...", "arguments": {...}} ("parameters" is accepted for "arguments", as
// some models write it).
std::optional<ToolCall> ParseOne(absl::string_view body) {
  absl::string_view stripped = absl::StripAsciiWhitespace(body);
  absl::StatusOr<rapidjson::Document> doc = json::Parse(std::string_view(stripped.data(), stripped.size()));
  if (!doc.ok() || !doc->IsObject()) return std::nullopt;
  const rapidjson::Value* name = json::Find(*doc, "name");
  if (name == nullptr || !name->IsString()) return std::nullopt;
  const rapidjson::Value* arguments = json::Find(*doc, "arguments");
  if (arguments == nullptr) arguments = json::Find(*doc, "parameters");
  ToolCall call;
  call.id = RandomId("call_");
  call.name.assign(name->GetString(), name->GetStringLength());
  if (arguments == nullptr || arguments->IsNull()) {
    call.arguments = "{}";
  } else if (arguments->IsString()) {
    call.arguments.assign(arguments->GetString(), arguments->GetStringLength());
  } else {
    call.arguments = json::Serialize(*arguments);
  }
  return call;
}

// The longest suffix of `text` that is a proper prefix of kStart.
size_t PartialStartLength(absl::string_view text) {
  for (size_t n = std::min(text.size(), kStart.size() - 1); n > 0; --n) {
    if (text.substr(text.size() - n) == kStart.substr(0, n)) return n;
  }
  return 0;
}

}  // namespace

ParsedToolCalls ParseToolCalls(absl::string_view text) {
  ParsedToolCalls result;
  size_t first = text.find(kStart);
  if (first == absl::string_view::npos) {
    result.content = std::string(text);
    return result;
  }
  size_t pos = first;
  while (pos != absl::string_view::npos) {
    size_t body_start = pos + kStart.size();
    size_t end = text.find(kEnd, body_start);
    // An unterminated last call (generation stopped at </tool_call> as a stop string, or ran out) still
    // counts when its JSON is complete.
    absl::string_view body = text.substr(body_start, end == absl::string_view::npos ? absl::string_view::npos
                                                                                   : end - body_start);
    std::optional<ToolCall> call = ParseOne(body);
    if (!call.has_value()) {
      result.calls.clear();
      result.content = std::string(text);
      return result;
    }
    result.calls.push_back(*std::move(call));
    if (end == absl::string_view::npos) break;
    pos = text.find(kStart, end + kEnd.size());
  }
  absl::string_view before = text.substr(0, first);
  if (!absl::StripAsciiWhitespace(before).empty()) result.content = std::string(before);
  return result;
}

std::string ToolCallStreamFilter::Add(absl::string_view delta) {
  text_.append(delta.data(), delta.size());
  if (in_call_) return "";
  absl::string_view pending = absl::string_view(text_).substr(sent_);
  size_t start = pending.find(kStart);
  size_t send = 0;
  if (start != absl::string_view::npos) {
    in_call_ = true;
    send = start;
  } else {
    send = pending.size() - PartialStartLength(pending);
  }
  std::string out(pending.substr(0, send));
  sent_ += send;
  return out;
}

ParsedToolCalls ToolCallStreamFilter::Finish() {
  ParsedToolCalls result;
  absl::string_view rest = absl::string_view(text_).substr(sent_);
  if (in_call_) {
    ParsedToolCalls parsed = ParseToolCalls(text_);
    if (!parsed.calls.empty()) {
      result.calls = std::move(parsed.calls);
      return result;
    }
  }
  if (!rest.empty()) result.content = std::string(rest);
  sent_ = text_.size();
  return result;
}

}  // namespace basalt::gateway::openai
