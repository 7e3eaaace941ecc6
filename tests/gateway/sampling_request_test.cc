// Limits that depend on the prompt and the model, and the translation to the worker's request.
#include "gateway/openai/sampling_request.h"

#include "gateway/openai/completions_request.h"
#include "tests/gateway/test_util.h"

namespace basalt::gateway::openai {
namespace {

using testing::ExpectBadParam;
using testing::Json;

SamplingRequest Read(const std::string& body) {
  rapidjson::Document doc = Json(body);
  FieldReader reader(doc);
  SamplingRequest request = ReadSamplingRequest(reader, Limits{}, {"max_tokens"});
  EXPECT_TRUE(reader.ok()) << reader.status();
  return request;
}

TEST(ResolveMaxTokens, ExplicitNullAndLimits) {
  Limits limits;
  SamplingRequest request;
  request.max_tokens = 10;
  EXPECT_EQ(*ResolveMaxTokens(request, 5, 100, limits, "prompt"), 10u);
  // prompt + max_tokens == context is allowed, one more is not.
  EXPECT_EQ(*ResolveMaxTokens(request, 90, 100, limits, "prompt"), 10u);
  ExpectBadParam(ResolveMaxTokens(request, 91, 100, limits, "prompt").status(), "max_tokens",
                 "maximum context length is 100 tokens. However, you requested 101 tokens (91 in the prompt, 10");
  request.max_tokens_param = "max_completion_tokens";
  ExpectBadParam(ResolveMaxTokens(request, 91, 100, limits, "messages").status(), "max_completion_tokens");

  request.max_tokens.reset();  // null: what the context leaves, capped by COMPLETION_MAX_TOKENS
  EXPECT_EQ(*ResolveMaxTokens(request, 30, 100, limits, "prompt"), 70u);
  limits.max_tokens = 50;
  EXPECT_EQ(*ResolveMaxTokens(request, 30, 100, limits, "prompt"), 50u);

  ExpectBadParam(ResolveMaxTokens(request, 100, 100, limits, "messages").status(), "messages", "no room");
  limits.max_prompt_tokens = 20;
  ExpectBadParam(ResolveMaxTokens(request, 21, 100, limits, "prompt").status(), "prompt", "COMPLETION_MAX_PROMPT");

  absl::Status status = ResolveMaxTokens(request, 21, 100, limits, "prompt").status();
  EXPECT_EQ(ToApiError(status).code.value_or(""), "context_length_exceeded");
}

TEST(ResolveMaxTokens, MinTokensMustFit) {
  SamplingRequest request;
  request.min_tokens = 30;
  ExpectBadParam(ResolveMaxTokens(request, 80, 100, Limits{}, "prompt").status(), "min_tokens");
  EXPECT_EQ(*ResolveMaxTokens(request, 70, 100, Limits{}, "prompt"), 30u);
}

TEST(ResolveMaxTokens, EncoderDecoderPromptsFeedTheEncoder) {
  // The prompt does not share the decoder's context: a prompt as long as max_model_len still leaves
  // max_model_len - 1 completion tokens (after the decoder's start token).
  const ModelContext t5{.max_model_len = 100, .encoder_decoder = true, .max_encoder_len = 200};
  SamplingRequest request;
  EXPECT_EQ(*ResolveMaxTokens(request, 150, t5, Limits{}, "prompt"), 99u);
  request.max_tokens = 99;
  EXPECT_EQ(*ResolveMaxTokens(request, 200, t5, Limits{}, "prompt"), 99u);
  request.max_tokens = 100;
  ExpectBadParam(ResolveMaxTokens(request, 5, t5, Limits{}, "prompt").status(), "max_tokens", "decoder holds at most 99");
  ExpectBadParam(ResolveMaxTokens(request, 201, t5, Limits{}, "prompt").status(), "prompt", "encoder takes at most 200");
  v1::ModelInfoResponse info;
  info.set_max_model_len(100);
  info.set_is_encoder_decoder(true);
  info.set_max_encoder_len(200);
  const ModelContext from_info = ContextOf(info);
  EXPECT_TRUE(from_info.encoder_decoder);
  EXPECT_EQ(from_info.max_encoder_len, 200u);
}

TEST(CheckTokenIds, AgainstVocabulary) {
  SamplingRequest request = Read(R"({"logit_bias":{"9":1},"stop_token_ids":[3]})");
  EXPECT_TRUE(CheckTokenIds(request, 10).ok());
  ExpectBadParam(CheckTokenIds(request, 9), "logit_bias", "outside the vocabulary");
  request.logit_bias.clear();
  ExpectBadParam(CheckTokenIds(request, 3), "stop_token_ids");
}

TEST(FillGenerateRequest, EveryField) {
  SamplingRequest request = Read(
      R"({"temperature":0.7,"top_p":0.9,"top_k":5,"min_p":0.05,"presence_penalty":0.5,"frequency_penalty":-0.5,)"
      R"("repetition_penalty":1.2,"logit_bias":{"4":-100},"seed":42,"n":3,"min_tokens":2,"stop":["x","yz"],)"
      R"("stop_token_ids":[8],"ignore_eos":true,"skip_special_tokens":false,"penalty_alpha":0.6})");
  v1::GenerateRequest out;
  FillGenerateRequest(request, 33, &out);
  EXPECT_FLOAT_EQ(out.sampling().temperature(), 0.7f);
  EXPECT_FLOAT_EQ(out.sampling().top_p(), 0.9f);
  EXPECT_EQ(out.sampling().top_k(), 5u);
  EXPECT_FLOAT_EQ(out.sampling().min_p(), 0.05f);
  EXPECT_FLOAT_EQ(out.sampling().presence_penalty(), 0.5f);
  EXPECT_FLOAT_EQ(out.sampling().frequency_penalty(), -0.5f);
  EXPECT_FLOAT_EQ(out.sampling().repetition_penalty(), 1.2f);
  EXPECT_FLOAT_EQ(out.sampling().logit_bias().at(4), -100.0f);
  EXPECT_EQ(out.sampling().seed(), 42u);
  EXPECT_FLOAT_EQ(out.sampling().penalty_alpha(), 0.6f);
  EXPECT_EQ(out.stopping().max_tokens(), 33u);
  EXPECT_EQ(out.stopping().min_tokens(), 2u);
  ASSERT_EQ(out.stopping().stop_size(), 2);
  EXPECT_EQ(out.stopping().stop(1), "yz");
  EXPECT_EQ(out.stopping().stop_token_ids(0), 8);
  EXPECT_TRUE(out.stopping().ignore_eos());
  EXPECT_EQ(out.n(), 3u);
  EXPECT_FALSE(out.skip_special_tokens());

  // Unset optional fields stay unset: the worker applies its defaults.
  v1::GenerateRequest plain;
  FillGenerateRequest(Read("{}"), 16, &plain);
  EXPECT_FALSE(plain.sampling().has_temperature());
  EXPECT_FALSE(plain.sampling().has_top_p());
  EXPECT_FALSE(plain.sampling().has_repetition_penalty());
  EXPECT_FALSE(plain.sampling().has_seed());
  EXPECT_TRUE(plain.skip_special_tokens());
}

TEST(FillGenerateRequest, NegativeSeedKeepsItsBits) {
  v1::GenerateRequest out;
  FillGenerateRequest(Read(R"({"seed":-1})"), 1, &out);
  EXPECT_EQ(out.sampling().seed(), ~uint64_t{0});
}

}  // namespace
}  // namespace basalt::gateway::openai
