#include "common/tokenizer/json_fields.h"
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
