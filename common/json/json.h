#pragma once
// RapidJSON helpers shared by the worker (config.json, safetensors headers, tokenizer files) and the
// gateway. Reading never silently falls back on a wrong type: a present value of the wrong type is an
// error naming the key.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"

namespace basalt::json {

// Parses a JSON text (UTF-8, validated). The error names the byte offset and RapidJSON's reason.
absl::StatusOr<rapidjson::Document> Parse(std::string_view text);

// Compact serialization.
std::string Serialize(const rapidjson::Value& value);

// Name of a value's type as JSON calls it ("string", "number", "object", ...), for error messages.
const char* TypeName(const rapidjson::Value& value);

// Member lookup; nullptr when `object` is not an object or has no such key.
const rapidjson::Value* Find(const rapidjson::Value& object, std::string_view key);

// Typed optional members: nullopt when absent or null; InvalidArgument when present with another type.
absl::StatusOr<std::optional<std::string>> GetString(const rapidjson::Value& object, std::string_view key);
absl::StatusOr<std::optional<int64_t>> GetInt(const rapidjson::Value& object, std::string_view key);
absl::StatusOr<std::optional<double>> GetDouble(const rapidjson::Value& object, std::string_view key);
absl::StatusOr<std::optional<bool>> GetBool(const rapidjson::Value& object, std::string_view key);

// Convenience for config files: the member's value, or `fallback` when absent or null. A wrong type is
// still an error.
template <typename T>
absl::StatusOr<T> GetOr(const rapidjson::Value& object, std::string_view key, T fallback);

}  // namespace basalt::json
