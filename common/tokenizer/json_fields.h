#pragma once
// Field access for the tokenizer.json components: typed, with errors that name the component.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// A member that must hold exactly one character (Metaspace replacement, Strip content, ...).
absl::StatusOr<char32_t> CharField(const rapidjson::Value& object, std::string_view key, std::string_view fallback,
                                   std::string_view component);

// The components of a Sequence: `make` applied to every element of the array member `key`.
template <typename T, typename Make>
absl::StatusOr<std::vector<std::unique_ptr<T>>> ParseList(const rapidjson::Value& object, std::string_view key,
                                                          std::string_view component, Make make) {
  const rapidjson::Value* list = json::Find(object, key);
  if (list == nullptr || !list->IsArray()) {
    return absl::InvalidArgumentError(absl::StrCat(Av(component), ": '", Av(key), "' must be an array"));
  }
  std::vector<std::unique_ptr<T>> items;
  for (const rapidjson::Value& item : list->GetArray()) {
    auto made = make(item);
    if (!made.ok()) return made.status();
    items.push_back(std::move(*made));
  }
  return items;
}

// A {"String": s} or {"Regex": r} pattern (Split, Replace).
struct PatternSpec {
  bool is_regex = false;
  std::string text;
};
absl::StatusOr<PatternSpec> ParsePattern(const rapidjson::Value& object, std::string_view component);

}  // namespace basalt::tokenizer
