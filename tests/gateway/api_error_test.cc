// The status -> OpenAI error mapping, and the error envelope.
#include "gateway/openai/api_error.h"

#include "tests/gateway/test_util.h"

namespace basalt::gateway::openai {
namespace {

TEST(ApiError, StatusCodesMapToHttp) {
  struct Case {
    absl::Status status;
    int http;
    const char* type;
  };
  const Case cases[] = {
      {absl::InvalidArgumentError("x"), 400, "invalid_request_error"},
      {absl::FailedPreconditionError("x"), 400, "invalid_request_error"},
      {absl::UnauthenticatedError("x"), 401, "invalid_request_error"},
      {absl::NotFoundError("x"), 404, "invalid_request_error"},
      {absl::ResourceExhaustedError("x"), 429, "requests"},
      {absl::UnavailableError("x"), 503, "server_error"},
      {absl::InternalError("x"), 500, "server_error"},
      {absl::UnknownError("x"), 500, "server_error"},
      {absl::CancelledError("x"), 500, "server_error"},
  };
  for (const Case& c : cases) {
    ApiError error = ToApiError(c.status);
    EXPECT_EQ(error.http_status, c.http) << c.status;
    EXPECT_EQ(error.type, c.type) << c.status;
    EXPECT_EQ(error.message, "x");
  }
  EXPECT_EQ(ToApiError(absl::ResourceExhaustedError("full")).retry_after_seconds, 1);
  EXPECT_EQ(ToApiError(absl::ResourceExhaustedError("full")).code, "rate_limit_exceeded");
  EXPECT_EQ(ToApiError(absl::UnavailableError("down")).retry_after_seconds, 1);
  EXPECT_FALSE(ToApiError(absl::InvalidArgumentError("x")).retry_after_seconds.has_value());
  EXPECT_EQ(ToApiError(absl::UnauthenticatedError("k")).code, "invalid_api_key");
}

TEST(ApiError, PayloadsCarryParamCodeAndHttpStatus) {
  ApiError error = ToApiError(InvalidRequest("temperature", "bad", "invalid_type"));
  EXPECT_EQ(error.param, "temperature");
  EXPECT_EQ(error.code, "invalid_type");
  ApiError plain = ToApiError(InvalidRequest("", "bad"));
  EXPECT_FALSE(plain.param.has_value());
  EXPECT_FALSE(plain.code.has_value());
  EXPECT_EQ(ToApiError(WithHttpStatus(absl::InvalidArgumentError("big"), 413)).http_status, 413);
  EXPECT_EQ(ToApiError(WithHttpStatus(absl::InvalidArgumentError("m"), 405)).type, "invalid_request_error");
  EXPECT_EQ(ToApiError(WithErrorCode(absl::InternalError("m"), "boom")).code, "boom");
  ApiError not_found = ToApiError(ModelNotFound("gpt-9"));
  EXPECT_EQ(not_found.http_status, 404);
  EXPECT_EQ(not_found.code, "model_not_found");
  EXPECT_EQ(not_found.param, "model");
  EXPECT_EQ(not_found.message, "The model `gpt-9` does not exist or you do not have access to it.");
}

TEST(ApiError, OpenAiWording) {
  EXPECT_EQ(ToApiError(MissingParameter("model")).message, "Missing required parameter: 'model'.");
  EXPECT_EQ(ToApiError(InvalidType("n", "an integer", "a string")).message,
            "Invalid type for 'n': expected an integer, but got a string instead.");
  EXPECT_EQ(ToApiError(BelowMinimum("n", ">= 1", "0", true)).message,
            "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead.");
  EXPECT_EQ(ToApiError(AboveMaximum("top_p", "<= 1", "2", false)).code, "decimal_above_max_value");
}

TEST(ApiError, EnvelopeJson) {
  EXPECT_EQ(ErrorJson(ToApiError(InvalidRequest("stop", "Too \"many\"", "c"))),
            R"({"error":{"message":"Too \"many\"","type":"invalid_request_error","param":"stop","code":"c"}})");
  EXPECT_EQ(ErrorJson(ToApiError(absl::InternalError("boom"))),
            R"({"error":{"message":"boom","type":"server_error","param":null,"code":null}})");
}

}  // namespace
}  // namespace basalt::gateway::openai
