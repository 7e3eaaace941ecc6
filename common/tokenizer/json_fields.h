#pragma once
// Field access for the tokenizer.json components: typed, with errors that name the component.
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/json/json.h"
#include "rapidjson/document.h"
#include "common/tokenizer/string_view_compat.h"

namespace basalt::tokenizer {

// The member's value, `fallback` when absent or null; InvalidArgument naming `component` on a wrong
// type.
template <typename T>
absl::StatusOr<T> Field(const rapidjson::Value& object, std::string_view key, T fallback,
                        std::string_view component) {
  auto v = json::GetOr<T>(object, key, std::move(fallback));
  if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat(Av(component), ": ", v.status().message()));
  return v;
}

// A required string member.
absl::StatusOr<std::string> RequiredString(const rapidjson::Value& object, std::string_view key,
                                           std::string_view component);

// The "type" member of a component, "" when absent.
std::string TypeOf(const rapidjson::Value& object);

// A {"String": s} or {"Regex": r} pattern (Split, Replace).
struct PatternSpec {
  bool is_regex = false;
  std::string text;
};
absl::StatusOr<PatternSpec> ParsePattern(const rapidjson::Value& object, std::string_view component);

}  // namespace basalt::tokenizer
