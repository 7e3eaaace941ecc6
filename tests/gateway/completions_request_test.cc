// ParseCompletionsRequest: every parameter's accepted forms and every rejection.
#include "gateway/openai/completions_request.h"

#include "tests/gateway/test_util.h"

namespace basalt::gateway::openai {
namespace {

using testing::ExpectBadParam;
using testing::Json;

absl::StatusOr<CompletionsRequest> Parse(const std::string& body, Limits limits = {}) {
  rapidjson::Document doc = Json(body);
  return ParseCompletionsRequest(doc, limits);
}

// Parses `{"model":"m","prompt":"p", <extra>}` and expects a 400 naming `param`.
void ExpectRejected(const std::string& extra, const std::string& param, const std::string& text = "") {
  SCOPED_TRACE(extra);
  ExpectBadParam(Parse(R"({"model":"m","prompt":"p",)" + extra + "}").status(), param, text);
}

CompletionsRequest ParseOk(const std::string& extra) {
  auto request = Parse(R"({"model":"m","prompt":"p")" + (extra.empty() ? "" : "," + extra) + "}");
  EXPECT_TRUE(request.ok()) << request.status() << " for " << extra;
  return request.ok() ? *std::move(request) : CompletionsRequest{};
}

TEST(CompletionsRequest, Defaults) {
  CompletionsRequest r = ParseOk("");
  EXPECT_EQ(r.model, "m");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_EQ(*r.prompts[0].text, "p");
  EXPECT_EQ(r.sampling.max_tokens, 16);  // OpenAI's default
  EXPECT_EQ(r.sampling.n, 1);
  EXPECT_FALSE(r.sampling.temperature.has_value());
  EXPECT_FALSE(r.sampling.stream);
  EXPECT_FALSE(r.logprobs.has_value());
  EXPECT_FALSE(r.echo);
  EXPECT_EQ(r.best_of, 0);
  EXPECT_TRUE(r.sampling.skip_special_tokens);
}

TEST(CompletionsRequest, MissingModelAndPrompt) {
  ExpectBadParam(Parse(R"({"prompt":"p"})").status(), "model", "Missing required parameter");
  ExpectBadParam(Parse(R"({"model":"m"})").status(), "prompt", "Missing required parameter");
  ExpectBadParam(Parse(R"({"model":5,"prompt":"p"})").status(), "model", "expected a string");
  EXPECT_FALSE(Parse("[1,2]").ok());
}

std::vector<Prompt> Prompts(const std::string& prompt) {
  auto request = Parse(R"({"model":"m","prompt":)" + prompt + "}");
  EXPECT_TRUE(request.ok()) << request.status() << " for " << prompt;
  return request.ok() ? request->prompts : std::vector<Prompt>{};
}

TEST(CompletionsRequest, PromptForms) {
  ASSERT_EQ(Prompts(R"("")").size(), 1u);
  EXPECT_EQ(*Prompts(R"("")")[0].text, "");
  std::vector<Prompt> batch = Prompts(R"(["a","b","c"])");
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(*batch[2].text, "c");
  std::vector<Prompt> ids = Prompts("[1,2,3]");
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_FALSE(ids[0].text.has_value());
  EXPECT_EQ(ids[0].ids, (std::vector<int32_t>{1, 2, 3}));
  std::vector<Prompt> id_batch = Prompts("[[1,2],[3]]");
  ASSERT_EQ(id_batch.size(), 2u);
  EXPECT_EQ(id_batch[1].ids, (std::vector<int32_t>{3}));
}

TEST(CompletionsRequest, PromptErrors) {
  auto parse = [](const std::string& prompt) { return Parse(R"({"model":"m","prompt":)" + prompt + "}").status(); };
  ExpectBadParam(parse("5"), "prompt", "expected a string");
  ExpectBadParam(parse("[]"), "prompt", "empty");
  ExpectBadParam(parse(R"(["a",1])"), "prompt[1]", "expected a string");
  ExpectBadParam(parse(R"([1,"a"])"), "prompt[1]", "expected an integer");
  ExpectBadParam(parse("[1.5]"), "prompt[0]");
  ExpectBadParam(parse("[-1]"), "prompt", "Invalid token id");
  ExpectBadParam(parse("[[1],[]]"), "prompt[1]", "empty");
  ExpectBadParam(parse(R"([[1],"a"])"), "prompt[1]", "expected an array of tokens");
  ExpectBadParam(parse("{}"), "prompt");
  Limits limits;
  limits.max_batch = 2;
  ExpectBadParam(Parse(R"({"model":"m","prompt":["a","b","c"]})", limits).status(), "prompt", "COMPLETION_MAX_BATCH");
}

TEST(CompletionsRequest, MaxTokens) {
  EXPECT_EQ(ParseOk(R"("max_tokens":7)").sampling.max_tokens, 7);
  EXPECT_FALSE(ParseOk(R"("max_tokens":null)").sampling.max_tokens.has_value());  // up to the context
  EXPECT_EQ(ParseOk(R"("max_tokens":7.0)").sampling.max_tokens, 7);
  EXPECT_EQ(ParseOk(R"("max_tokens":0)").sampling.max_tokens, 0);  // scoring: echo the prompt, generate nothing
  ExpectRejected(R"("max_tokens":-1)", "max_tokens", "below minimum");
  ExpectRejected(R"("max_tokens":"7")", "max_tokens", "expected an integer, but got a string");
  ExpectRejected(R"("max_tokens":7.5)", "max_tokens", "expected an integer");
  ExpectRejected(R"("max_tokens":5000)", "max_tokens", "Expected a value <= 4096");
  ExpectRejected(R"("max_tokens":18446744073709551615)", "max_tokens", "above maximum");
}

TEST(CompletionsRequest, SamplingRanges) {
  CompletionsRequest r = ParseOk(R"("temperature":0,"top_p":0.5,"top_k":40,"min_p":0.1,"presence_penalty":-2,)"
                                 R"("frequency_penalty":2,"repetition_penalty":1.3,"seed":-3)");
  EXPECT_EQ(*r.sampling.temperature, 0);
  EXPECT_EQ(*r.sampling.top_p, 0.5);
  EXPECT_EQ(r.sampling.top_k, 40);
  EXPECT_EQ(r.sampling.min_p, 0.1);
  EXPECT_EQ(r.sampling.presence_penalty, -2);
  EXPECT_EQ(r.sampling.frequency_penalty, 2);
  EXPECT_EQ(*r.sampling.repetition_penalty, 1.3);
  EXPECT_EQ(*r.sampling.seed, -3);
  EXPECT_EQ(ParseOk(R"("top_k":-1)").sampling.top_k, 0);  // vLLM: -1 disables

  ExpectRejected(R"("temperature":2.5)", "temperature", "above maximum");
  ExpectRejected(R"("temperature":-0.1)", "temperature", "below minimum");
  ExpectRejected(R"("temperature":"hot")", "temperature", "expected a decimal, but got a string");
  ExpectRejected(R"("temperature":true)", "temperature", "got a boolean");
  ExpectRejected(R"("top_p":0)", "top_p", "Expected a value > 0");
  ExpectRejected(R"("top_p":1.01)", "top_p");
  ExpectRejected(R"("top_k":-2)", "top_k");
  ExpectRejected(R"("top_k":1.5)", "top_k");
  ExpectRejected(R"("min_p":1.5)", "min_p");
  ExpectRejected(R"("presence_penalty":-2.01)", "presence_penalty");
  ExpectRejected(R"("frequency_penalty":3)", "frequency_penalty");
  ExpectRejected(R"("repetition_penalty":0)", "repetition_penalty");
  ExpectRejected(R"("seed":"1")", "seed");
  ExpectRejected(R"("seed":1.5)", "seed");
}

TEST(CompletionsRequest, NAndBestOf) {
  CompletionsRequest r = ParseOk(R"("n":2,"best_of":3)");
  EXPECT_EQ(r.sampling.n, 2);
  EXPECT_EQ(r.best_of, 3);
  ExpectRejected(R"("n":0)", "n", "below minimum");
  ExpectRejected(R"("n":6)", "n", "Expected a value <= 5");
  ExpectRejected(R"("best_of":6)", "best_of");
  ExpectRejected(R"("n":3,"best_of":2)", "best_of", "greater than or equal");
  ExpectRejected(R"("best_of":2,"stream":true)", "best_of", "stream");
  EXPECT_TRUE(Parse(R"({"model":"m","prompt":"p","n":2,"best_of":2,"stream":true})").ok());
  Limits limits;
  limits.max_n = 8;
  EXPECT_TRUE(Parse(R"({"model":"m","prompt":"p","n":8})", limits).ok());
}

TEST(CompletionsRequest, LogprobsAndEcho) {
  CompletionsRequest r = ParseOk(R"("logprobs":3,"echo":true)");
  EXPECT_EQ(r.logprobs, 3);
  EXPECT_TRUE(r.echo);
  EXPECT_EQ(ParseOk(R"("logprobs":0)").logprobs, 0);
  EXPECT_FALSE(ParseOk(R"("logprobs":null)").logprobs.has_value());
  ExpectRejected(R"("logprobs":6)", "logprobs", "<= 5");
  ExpectRejected(R"("logprobs":true)", "logprobs", "expected an integer, but got a boolean");
  ExpectRejected(R"("logprobs":-1)", "logprobs");
  ExpectRejected(R"("echo":1)", "echo", "expected a boolean");
}

TEST(CompletionsRequest, Stop) {
  EXPECT_EQ(ParseOk(R"("stop":"\n")").sampling.stop, (std::vector<std::string>{"\n"}));
  EXPECT_EQ(ParseOk(R"("stop":["a","b","c","d"])").sampling.stop.size(), 4u);
  EXPECT_TRUE(ParseOk(R"("stop":null)").sampling.stop.empty());
  ExpectRejected(R"("stop":["a","b","c","d","e"])", "stop", "at most 4");
  ExpectRejected(R"("stop":[1])", "stop[0]", "expected a string");
  ExpectRejected(R"("stop":5)", "stop");
  ExpectRejected(R"("stop":"")", "stop", "must not be empty");
}

TEST(CompletionsRequest, LogitBias) {
  CompletionsRequest r = ParseOk(R"("logit_bias":{"5":-100,"17":2.5})");
  ASSERT_EQ(r.sampling.logit_bias.size(), 2u);
  EXPECT_EQ(r.sampling.logit_bias.at(5), -100);
  EXPECT_EQ(r.sampling.logit_bias.at(17), 2.5);
  ExpectRejected(R"("logit_bias":{"abc":1})", "logit_bias", "Invalid key");
  ExpectRejected(R"("logit_bias":{"-1":1})", "logit_bias", "Invalid key");
  ExpectRejected(R"("logit_bias":{"5":101})", "logit_bias", "between -100 and 100");
  ExpectRejected(R"("logit_bias":{"5":"1"})", "logit_bias.5", "expected a decimal");
  ExpectRejected(R"("logit_bias":[1])", "logit_bias", "expected an object");
}

TEST(CompletionsRequest, StreamOptions) {
  CompletionsRequest r = ParseOk(R"("stream":true,"stream_options":{"include_usage":true})");
  EXPECT_TRUE(r.sampling.stream);
  EXPECT_TRUE(r.sampling.include_usage);
  ExpectRejected(R"("stream_options":{"include_usage":true})", "stream_options", "only allowed when 'stream'");
  ExpectRejected(R"("stream":"yes")", "stream", "expected a boolean");
  ExpectRejected(R"("stream":true,"stream_options":{"include_usage":1})", "stream_options.include_usage");
  ExpectRejected(R"("stream":true,"stream_options":{"other":1})", "stream_options.other", "Unrecognized");
  ExpectRejected(R"("stream":true,"stream_options":5)", "stream_options", "expected an object");
}

TEST(CompletionsRequest, ExtensionsAndMisc) {
  CompletionsRequest r = ParseOk(R"("min_tokens":3,"ignore_eos":true,"skip_special_tokens":false,)"
                                 R"("include_stop_str_in_output":true,"stop_token_ids":[7,9],"user":"u1",)"
                                 R"("penalty_alpha":0.6,"top_k":4,"suffix":null)");
  EXPECT_EQ(r.sampling.min_tokens, 3);
  EXPECT_TRUE(r.sampling.ignore_eos);
  EXPECT_FALSE(r.sampling.skip_special_tokens);
  EXPECT_TRUE(r.sampling.include_stop_str_in_output);
  EXPECT_EQ(r.sampling.stop_token_ids, (std::vector<int32_t>{7, 9}));
  EXPECT_EQ(r.sampling.user, "u1");
  EXPECT_EQ(r.sampling.penalty_alpha, 0.6);
  ExpectRejected(R"("min_tokens":20,"max_tokens":10)", "min_tokens", "must not exceed");
  ExpectRejected(R"("min_tokens":-1)", "min_tokens");
  ExpectRejected(R"("penalty_alpha":0.5)", "penalty_alpha", "top_k");
  ExpectRejected(R"("penalty_alpha":1.5,"top_k":4)", "penalty_alpha");
  ExpectRejected(R"("suffix":"end")", "suffix", "not supported");
  ExpectRejected(R"("user":5)", "user");
  ExpectRejected(R"("stop_token_ids":[-1])", "stop_token_ids[0]");
  ExpectRejected(R"("ignore_eos":"true")", "ignore_eos");
  ExpectRejected(R"("frobnicate":1)", "frobnicate", "Unrecognized request argument");
}

}  // namespace
}  // namespace basalt::gateway::openai
