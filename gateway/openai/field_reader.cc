#include "gateway/openai/field_reader.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "gateway/openai/api_error.h"

namespace basalt::gateway::openai {
namespace {

// Shortest round-trip text of a number for error messages ("0.5", "3", "1e+30").
std::string NumberText(double value) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) return absl::StrCat(static_cast<int64_t>(value));
  return absl::StrCat(value);
}

}  // namespace

std::string DescribeType(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType: return "a boolean";
    case rapidjson::kObjectType: return "an object";
    case rapidjson::kArrayType: return "an array";
    case rapidjson::kStringType: return "a string";
    case rapidjson::kNumberType:
      return value.IsInt64() || value.IsUint64() ? "an integer" : "a decimal";
  }
  return "an unknown type";
}

bool ReadInteger(const rapidjson::Value& value, int64_t* out) {
  if (value.IsInt64()) {
    *out = value.GetInt64();
    return true;
  }
  if (value.IsUint64()) {  // above INT64_MAX: saturate, the range check rejects it
    *out = std::numeric_limits<int64_t>::max();
    return true;
  }
  if (value.IsDouble()) {
    double d = value.GetDouble();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
      *out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

FieldReader::FieldReader(const rapidjson::Value& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

std::string FieldReader::Param(absl::string_view key) const { return absl::StrCat(prefix_, key); }

void FieldReader::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

const rapidjson::Value* FieldReader::Get(absl::string_view key) {
  read_.emplace(key);
  if (!status_.ok() || !object_.IsObject()) return nullptr;
  auto it = object_.FindMember(rapidjson::Value(rapidjson::StringRef(key.data(), key.size())));
  if (it == object_.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

const rapidjson::Value* FieldReader::Require(absl::string_view key) {
  const rapidjson::Value* value = Get(key);
  if (value == nullptr) Fail(MissingParameter(Param(key)));
  return value;
}

std::optional<bool> FieldReader::Bool(absl::string_view key) {
  const rapidjson::Value* value = Get(key);
  if (value == nullptr) return std::nullopt;
  if (!value->IsBool()) {
    Fail(InvalidType(Param(key), "a boolean", DescribeType(*value)));
    return std::nullopt;
  }
  return value->GetBool();
}

std::optional<std::string> FieldReader::String(absl::string_view key) {
  const rapidjson::Value* value = Get(key);
  if (value == nullptr) return std::nullopt;
  if (!value->IsString()) {
    Fail(InvalidType(Param(key), "a string", DescribeType(*value)));
    return std::nullopt;
  }
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<int64_t> FieldReader::Int(absl::string_view key, int64_t min, int64_t max) {
  const rapidjson::Value* value = Get(key);
  if (value == nullptr) return std::nullopt;
  int64_t v = 0;
  if (!value->IsNumber() || !ReadInteger(*value, &v)) {
    Fail(InvalidType(Param(key), "an integer", DescribeType(*value)));
    return std::nullopt;
  }
  if (v < min) {
    Fail(BelowMinimum(Param(key), absl::StrCat(">= ", min), absl::StrCat(v), true));
    return std::nullopt;
  }
  if (v > max) {
    std::string got = value->IsUint64() && !value->IsInt64() ? absl::StrCat(value->GetUint64())
                                                             : absl::StrCat(v);
    Fail(AboveMaximum(Param(key), absl::StrCat("<= ", max), got, true));
    return std::nullopt;
  }
  return v;
}

std::optional<double> FieldReader::Number(absl::string_view key, double min, double max,
                                          bool min_exclusive) {
  const rapidjson::Value* value = Get(key);
  if (value == nullptr) return std::nullopt;
  if (!value->IsNumber()) {
    Fail(InvalidType(Param(key), "a decimal", DescribeType(*value)));
    return std::nullopt;
  }
  double v = value->GetDouble();
  if (v < min || (min_exclusive && v == min)) {
    Fail(BelowMinimum(Param(key), absl::StrCat(min_exclusive ? "> " : ">= ", NumberText(min)),
                      NumberText(v), false));
    return std::nullopt;
  }
  if (v > max) {
    Fail(AboveMaximum(Param(key), absl::StrCat("<= ", NumberText(max)), NumberText(v), false));
    return std::nullopt;
  }
  return v;
}

const rapidjson::Value* FieldReader::Object(absl::string_view key) {
  const rapidjson::Value* value = Get(key);
  if (value != nullptr && !value->IsObject()) {
    Fail(InvalidType(Param(key), "an object", DescribeType(*value)));
    return nullptr;
  }
  return value;
}

const rapidjson::Value* FieldReader::Array(absl::string_view key) {
  const rapidjson::Value* value = Get(key);
  if (value != nullptr && !value->IsArray()) {
    Fail(InvalidType(Param(key), "an array", DescribeType(*value)));
    return nullptr;
  }
  return value;
}

void FieldReader::Ignore(std::initializer_list<absl::string_view> keys) {
  for (absl::string_view key : keys) read_.emplace(key);
}

absl::Status FieldReader::Finish() {
  if (!status_.ok()) return status_;
  if (!object_.IsObject()) return status_;
  for (auto it = object_.MemberBegin(); it != object_.MemberEnd(); ++it) {
    absl::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (read_.find(name) == read_.end()) {
      return InvalidRequest(Param(name), absl::StrCat("Unrecognized request argument supplied: ", Param(name)),
                            "unknown_parameter");
    }
  }
  return status_;
}

}  // namespace basalt::gateway::openai
