#pragma once
// Helpers shared by the gateway tests.
#include <string>

#include "absl/status/status.h"
#include "common/json/json.h"
#include "gateway/openai/api_error.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace basalt::gateway::testing {

inline rapidjson::Document Json(const std::string& text) {
  absl::StatusOr<rapidjson::Document> doc = json::Parse(text);
  EXPECT_TRUE(doc.ok()) << doc.status() << " in " << text;
  if (!doc.ok()) return rapidjson::Document();
  return *std::move(doc);
}

// Expects a 400 naming `param` whose message contains `text`.
inline void ExpectBadParam(const absl::Status& status, const std::string& param, const std::string& text = "") {
  ASSERT_FALSE(status.ok()) << "expected an error for " << param;
  openai::ApiError error = openai::ToApiError(status);
  EXPECT_EQ(error.http_status, 400) << status;
  EXPECT_EQ(error.type, "invalid_request_error");
  ASSERT_TRUE(error.param.has_value()) << status;
  EXPECT_EQ(*error.param, param) << status;
  if (!text.empty()) {
    EXPECT_NE(error.message.find(text), std::string::npos) << error.message;
  }
}

inline std::string FixturesDir() { return BASALT_TEST_FIXTURES_DIR; }
inline std::string TinyTokenizerDir() { return FixturesDir() + "/tokenizers/tiny-test"; }

}  // namespace basalt::gateway::testing
