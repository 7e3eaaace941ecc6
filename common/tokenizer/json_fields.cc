#include "common/tokenizer/json_fields.h"

#include "common/status/status_macros.h"
#include "common/tokenizer/unicode.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {

absl::StatusOr<std::string> RequiredString(const rapidjson::Value& object, std::string_view key,
                                           std::string_view component) {
  const rapidjson::Value* v = json::Find(object, key);
  if (v == nullptr || !v->IsString()) {
    return absl::InvalidArgumentError(absl::StrCat(Av(component), ": '", Av(key), "' must be a string"));
  }
  return std::string(v->GetString(), v->GetStringLength());
}

absl::StatusOr<char32_t> CharField(const rapidjson::Value& object, std::string_view key, std::string_view fallback,
                                   std::string_view component) {
  BASALT_ASSIGN_OR_RETURN(std::string text, Field<std::string>(object, key, std::string(fallback), component));
  if (text.empty() || !IsValidUtf8(text) || CountCodePoints(text) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(Av(component), ": '", Av(key), "' must be one character"));
  }
  size_t i = 0;
  return NextCodePoint(text, i);
}

std::string TypeOf(const rapidjson::Value& object) {
  const rapidjson::Value* v = json::Find(object, "type");
  if (v == nullptr || !v->IsString()) return "";
  return std::string(v->GetString(), v->GetStringLength());
}

absl::StatusOr<PatternSpec> ParsePattern(const rapidjson::Value& object, std::string_view component) {
  const rapidjson::Value* pattern = json::Find(object, "pattern");
  if (pattern == nullptr || !pattern->IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Av(component), ": 'pattern' must be {\"String\": ...} or {\"Regex\": ...}"));
  }
  PatternSpec spec;
  if (const rapidjson::Value* s = json::Find(*pattern, "String"); s != nullptr && s->IsString()) {
    spec.text.assign(s->GetString(), s->GetStringLength());
    return spec;
  }
  if (const rapidjson::Value* r = json::Find(*pattern, "Regex"); r != nullptr && r->IsString()) {
    spec.is_regex = true;
    spec.text.assign(r->GetString(), r->GetStringLength());
    return spec;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(Av(component), ": 'pattern' must be {\"String\": ...} or {\"Regex\": ...}"));
}

}  // namespace basalt::tokenizer
