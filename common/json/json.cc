#include "common/json/json.h"

#include "absl/strings/str_cat.h"
#include "rapidjson/error/en.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace basalt::json {

absl::StatusOr<rapidjson::Document> Parse(std::string_view text) {
  rapidjson::Document doc;
  // Trailing non-whitespace after the value is an error (kParseErrorDocumentRootNotSingular).
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON at byte ", doc.GetErrorOffset(), ": ",
                                                   rapidjson::GetParseError_En(doc.GetParseError())));
  }
  return doc;
}

std::string Serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const char* TypeName(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "boolean";
    case rapidjson::kObjectType: return "object";
    case rapidjson::kArrayType: return "array";
    case rapidjson::kStringType: return "string";
    case rapidjson::kNumberType: return "number";
  }
  return "unknown";
}

const rapidjson::Value* Find(const rapidjson::Value& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

namespace {
absl::Status WrongType(std::string_view key, const char* expected, const rapidjson::Value& got) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", absl::string_view(key.data(), key.size()), "' must be ", expected, ", not ", TypeName(got)));
}
}  // namespace

absl::StatusOr<std::optional<std::string>> GetString(const rapidjson::Value& object,
                                                     std::string_view key) {
  const rapidjson::Value* v = Find(object, key);
  if (v == nullptr || v->IsNull()) return std::optional<std::string>();
  if (!v->IsString()) return WrongType(key, "a string", *v);
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

absl::StatusOr<std::optional<int64_t>> GetInt(const rapidjson::Value& object, std::string_view key) {
  const rapidjson::Value* v = Find(object, key);
  if (v == nullptr || v->IsNull()) return std::optional<int64_t>();
  if (v->IsInt64()) return std::optional<int64_t>(v->GetInt64());
  if (v->IsUint64()) return std::optional<int64_t>(static_cast<int64_t>(v->GetUint64()));
  // Some configs write integers as 4096.0.
  if (v->IsDouble() && v->GetDouble() == static_cast<double>(static_cast<int64_t>(v->GetDouble())))
    return std::optional<int64_t>(static_cast<int64_t>(v->GetDouble()));
  return WrongType(key, "an integer", *v);
}

absl::StatusOr<std::optional<double>> GetDouble(const rapidjson::Value& object, std::string_view key) {
  const rapidjson::Value* v = Find(object, key);
  if (v == nullptr || v->IsNull()) return std::optional<double>();
  if (!v->IsNumber()) return WrongType(key, "a number", *v);
  return std::optional<double>(v->GetDouble());
}

absl::StatusOr<std::optional<bool>> GetBool(const rapidjson::Value& object, std::string_view key) {
  const rapidjson::Value* v = Find(object, key);
  if (v == nullptr || v->IsNull()) return std::optional<bool>();
  if (!v->IsBool()) return WrongType(key, "a boolean", *v);
  return std::optional<bool>(v->GetBool());
}

template <typename T>
absl::StatusOr<T> GetOr(const rapidjson::Value& object, std::string_view key, T fallback) {
  if constexpr (std::is_same_v<T, bool>) {
    auto v = GetBool(object, key);
    if (!v.ok()) return v.status();
    return v->value_or(fallback);
  } else if constexpr (std::is_integral_v<T>) {
    auto v = GetInt(object, key);
    if (!v.ok()) return v.status();
    return v->has_value() ? static_cast<T>(**v) : fallback;
  } else if constexpr (std::is_floating_point_v<T>) {
    auto v = GetDouble(object, key);
    if (!v.ok()) return v.status();
    return v->has_value() ? static_cast<T>(**v) : fallback;
  } else {
    auto v = GetString(object, key);
    if (!v.ok()) return v.status();
    return v->has_value() ? T(**v) : fallback;
  }
}

template absl::StatusOr<bool> GetOr<bool>(const rapidjson::Value&, std::string_view, bool);
template absl::StatusOr<int> GetOr<int>(const rapidjson::Value&, std::string_view, int);
template absl::StatusOr<int64_t> GetOr<int64_t>(const rapidjson::Value&, std::string_view, int64_t);
template absl::StatusOr<double> GetOr<double>(const rapidjson::Value&, std::string_view, double);
template absl::StatusOr<float> GetOr<float>(const rapidjson::Value&, std::string_view, float);
template absl::StatusOr<std::string> GetOr<std::string>(const rapidjson::Value&, std::string_view,
                                                        std::string);

}  // namespace basalt::json
