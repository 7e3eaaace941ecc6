// Request body checks: UTF-8 validation and JSON parsing errors.
#include "gateway/handlers/http_json.h"

#include "gateway/openai/api_error.h"
#include "gtest/gtest.h"

namespace basalt::gateway {
namespace {

TEST(IsValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8C\x8D"));  // é € 🌍
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                          // U+10FFFF
}

TEST(IsValidUtf8, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
  EXPECT_FALSE(IsValidUtf8("\xC3\x28"));          // bad continuation
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong "/"
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(ParseJsonBody, Errors) {
  HttpRequest request;
  request.body = "{\"a\":";
  auto truncated = ParseJsonBody(request);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(openai::ToApiError(truncated.status()).http_status, 400);
  EXPECT_NE(truncated.status().message().find("could not parse the JSON body"), absl::string_view::npos);
  request.body = "[1]";
  EXPECT_NE(ParseJsonBody(request).status().message().find("must be a JSON object"), absl::string_view::npos);
  request.body = "{\"a\":\"\xFF\"}";
  EXPECT_NE(ParseJsonBody(request).status().message().find("not valid UTF-8"), absl::string_view::npos);
  request.body = "{\"a\":1} trailing";
  EXPECT_FALSE(ParseJsonBody(request).ok());
  request.body = "{\"a\":NaN}";
  EXPECT_FALSE(ParseJsonBody(request).ok());
  request.body = " {\"a\":[1,2]} ";
  EXPECT_TRUE(ParseJsonBody(request).ok());
}

TEST(ErrorResponse, StatusHeadersAndBody) {
  HttpResponse response = ErrorResponse(absl::ResourceExhaustedError("busy"));
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(response.content_type, "application/json");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Retry-After");
  EXPECT_EQ(ErrorEventData(absl::InternalError("x")),
            R"({"error":{"message":"x","type":"server_error","param":null,"code":null}})");
}

}  // namespace
}  // namespace basalt::gateway
