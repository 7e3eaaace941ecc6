// Encoder-decoder models through the engine as a caller sees them: the prompt goes to the encoder, the
// completion comes from the decoder (decoder_start_token_id first), usage counts the encoder's tokens,
// and batching, preemption, sampling with seeds, n > 1, forced EOS, stop strings, streaming and limits
// behave as for decoder-only models (T5 and BART fixtures, CPU, float32).
#include <gtest/gtest.h>

#include <thread>

#include "tests/worker/reference_cases.h"
#include "worker/engine/blocking_generate.h"
#include "worker/engine/engine.h"

namespace basalt::testing {
namespace {

std::string ModelDir(const std::string& name) { return std::string(BASALT_FIXTURES_DIR) + "/models/" + name; }

std::unique_ptr<engine::Engine> MakeEngine(const std::string& name, engine::EngineOptions options = {}) {
  options.model_dir = ModelDir(name);
  options.dtype = "float32";
  auto engine = engine::Engine::Create(options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? std::move(*engine) : nullptr;
}

std::vector<int32_t> Ids(const engine::CompletedChoice& c) {
  std::vector<int32_t> ids;
  for (const auto& t : c.tokens) ids.push_back(t.id);
  return ids;
}

TEST(EncoderDecoderTest, DescribesTheModelAsEncoderDecoder) {
  auto t5 = MakeEngine("t5");
  ASSERT_NE(t5, nullptr);
  EXPECT_TRUE(t5->description().is_encoder_decoder);
  EXPECT_EQ(t5->description().decoder_start_token_id, 0);  // T5: the pad token
  EXPECT_EQ(t5->description().architecture, "T5ForConditionalGeneration");
  auto bart = MakeEngine("bart");
  ASSERT_NE(bart, nullptr);
  EXPECT_EQ(bart->description().decoder_start_token_id, 1);
  EXPECT_EQ(bart->description().max_encoder_len, 512);  // the learned position table
}

TEST(EncoderDecoderTest, UsageCountsTheEncoderPromptAndEchoHasNoLogprobs) {
  auto engine = MakeEngine("t5");
  ASSERT_NE(engine, nullptr);
  const ReferenceCase c = LoadReferenceCases(ModelDir("t5")).at(1);
  engine::GenerationRequest request = RequestFor(c);
  request.params.echo_prompt = true;
  request.params.prompt_logprobs = 5;
  auto got = engine::GenerateBlocking(*engine, request);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectMatchesReference(c, *got);
  EXPECT_EQ(got->usage.prompt_tokens, static_cast<int>(c.prompt_ids.size()));
  EXPECT_EQ(got->usage.completion_tokens, static_cast<int>(c.output_ids.size()));
  ASSERT_TRUE(got->prompt.has_value());
  ASSERT_EQ(got->prompt->tokens.size(), c.prompt_ids.size());
  for (size_t i = 0; i < c.prompt_ids.size(); ++i) {
    EXPECT_EQ(got->prompt->tokens[i].id, c.prompt_ids[i]);
    EXPECT_FALSE(got->prompt->tokens[i].logprob.has_value());
  }
}

TEST(EncoderDecoderTest, PreemptedRequestsKeepTheirEncoderOutputAndStillMatch) {
  // Three blocks of 16 tokens for three 25-token decoder sequences: they cannot all stay resident, so
  // some are preempted and recomputed, re-reading their request's encoder state.
  engine::EngineOptions options;
  options.kv_cache_bytes = 3 * 2 * 2 * 16 * 4 * 16 * 4;  // blocks * (k, v) * layers * tokens * heads * dim * fp32
  for (const std::string model : {"t5-v1_1", "bart"}) {
    auto engine = MakeEngine(model, options);
    ASSERT_NE(engine, nullptr);
    auto cases = LoadReferenceCases(ModelDir(model));
    std::vector<absl::StatusOr<engine::CompletedRequest>> results(cases.size(), absl::UnknownError("not run"));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < cases.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = engine::GenerateBlocking(*engine, RequestFor(cases[i])); });
    }
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < cases.size(); ++i) {
      ASSERT_TRUE(results[i].ok()) << model << ": " << results[i].status();
      ExpectMatchesReference(cases[i], *results[i]);
    }
  }
}

TEST(EncoderDecoderTest, SeededSamplingRepeatsAndEveryChoiceEndsWithTheForcedEos) {
  auto engine = MakeEngine("bart");
  ASSERT_NE(engine, nullptr);
  engine::GenerationRequest request;
  request.prompt_text = "The quick brown fox";
  request.params.n = 3;
  request.params.sampling.temperature = 1.0f;
  request.params.sampling.seed = 7;
  request.params.stopping.max_tokens = 10;
  request.params.stopping.ignore_eos = true;
  auto first = engine::GenerateBlocking(*engine, request);
  auto second = engine::GenerateBlocking(*engine, request);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(first->choices.size(), 3u);
  bool any_difference = false;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Ids(first->choices[i]), Ids(second->choices[i]));
    ASSERT_EQ(first->choices[i].tokens.size(), 10u);
    // forced_eos_token_id: the last token the length allows is EOS, whatever was sampled before.
    EXPECT_EQ(first->choices[i].tokens.back().id, 1);
    any_difference |= Ids(first->choices[i]) != Ids(first->choices[0]);
  }
  EXPECT_TRUE(any_difference) << "the choices were sampled independently";
}

TEST(EncoderDecoderTest, StopStringsCutTheStreamedText) {
  auto engine = MakeEngine("bart");
  ASSERT_NE(engine, nullptr);
  const ReferenceCase c = LoadReferenceCases(ModelDir("bart")).at(2);  // greedy_long: varied tokens
  engine::GenerationRequest request = RequestFor(c);
  auto full = engine::GenerateBlocking(*engine, request);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_GT(full->num_outputs, 10);  // one output per decoder step: streamed
  const std::string text = full->choices[0].text;
  ASSERT_GT(text.size(), 12u);
  const std::string stop = text.substr(text.size() / 2, 3);
  request.params.stopping.stop = {stop};
  auto cut = engine::GenerateBlocking(*engine, request);
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_EQ(cut->choices[0].finish_reason, engine::FinishReason::kStopString);
  EXPECT_EQ(cut->choices[0].text, text.substr(0, text.find(stop)));
}

TEST(EncoderDecoderTest, PromptsBeyondTheEncoderAndCompletionsBeyondTheDecoderAreRejected) {
  auto engine = MakeEngine("bart");
  ASSERT_NE(engine, nullptr);
  engine::GenerationRequest request;
  request.prompt_ids.assign(513, 5);  // the encoder's positions stop at 512
  auto too_long = engine::GenerateBlocking(*engine, request);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  request.prompt_ids.assign(512, 5);
  request.params.stopping.max_tokens = 512;  // the decoder holds its start token too
  auto too_many = engine::GenerateBlocking(*engine, request);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("max_tokens"), std::string::npos);
  request.params.stopping.max_tokens = 4;  // a full-length prompt is fine for an encoder
  auto fits = engine::GenerateBlocking(*engine, request);
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->usage.prompt_tokens, 512);
}

}  // namespace
}  // namespace basalt::testing
