#pragma once
// Strict, OpenAI-style reading of a request object's members. Every getter checks the JSON type and the
// range and, on the first failure, records an error naming the parameter (later reads become no-ops, so a
// parser reads all fields in a row and checks status() once). Absent and null members read as nullopt.
// Finish() also rejects members nobody read, as OpenAI rejects unrecognized arguments.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "rapidjson/document.h"

namespace basalt::gateway::openai {

class FieldReader {
 public:
  // `object` must outlive the reader. `prefix` is prepended to parameter names in errors
  // ("stream_options." gives "stream_options.include_usage").
  explicit FieldReader(const rapidjson::Value& object, std::string prefix = "");

  // The raw member (nullptr when absent or null); marks it as read.
  const rapidjson::Value* Get(absl::string_view key);
  // Like Get, but a missing or null member is a missing_required_parameter error.
  const rapidjson::Value* Require(absl::string_view key);

  std::optional<bool> Bool(absl::string_view key);
  std::optional<std::string> String(absl::string_view key);
  // An integer in [min, max]. Integral doubles such as 2.0 are accepted.
  std::optional<int64_t> Int(absl::string_view key, int64_t min, int64_t max);
  // A number in [min, max] (the lower bound excluded with min_exclusive).
  std::optional<double> Number(absl::string_view key, double min, double max, bool min_exclusive = false);
  // A member that must be an object / an array when present.
  const rapidjson::Value* Object(absl::string_view key);
  const rapidjson::Value* Array(absl::string_view key);

  // Members that OpenAI defines and the gateway accepts without acting on them.
  void Ignore(std::initializer_list<absl::string_view> keys);

  // Records `status` unless an error was recorded already.
  void Fail(absl::Status status);
  bool ok() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  std::string Param(absl::string_view key) const;

  // The first error, or an error for the first member that was never read.
  absl::Status Finish();

 private:
  const rapidjson::Value& object_;
  std::string prefix_;
  std::set<std::string, std::less<>> read_;
  absl::Status status_;
};

// OpenAI's words for a JSON value's type in error messages ("a string", "a decimal", "an object", ...).
std::string DescribeType(const rapidjson::Value& value);

// Reads a JSON integer (or integral double) into *out; false when `value` is not one.
bool ReadInteger(const rapidjson::Value& value, int64_t* out);

}  // namespace basalt::gateway::openai
