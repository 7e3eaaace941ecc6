// The engine as a caller sees it: continuous batching, preemption, cancellation, n / best_of, seeds,
// stop strings, validation and backpressure, on the llama fixture model (CPU).
#include "worker/engine/engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "tests/worker/engine_test_helpers.h"
#include "tests/worker/reference_cases.h"
#include "worker/engine/blocking_generate.h"

namespace basalt::engine {
namespace {

std::unique_ptr<Engine> MakeEngine(EngineOptions options = {}) { return MakeFixtureEngine("llama", options); }

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = MakeEngine().release(); }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  static Engine* engine_;
};
Engine* EngineTest::engine_ = nullptr;

TEST_F(EngineTest, DescribesTheModel) {
  const ModelDescription& d = engine_->description();
  EXPECT_EQ(d.name, "llama");
  EXPECT_EQ(d.architecture, "LlamaForCausalLM");
  EXPECT_EQ(d.vocab_size, 1024);
  EXPECT_EQ(d.max_model_len, 512);
  EXPECT_EQ(d.eos_token_ids, (std::vector<int32_t>{1}));
  EXPECT_EQ(d.bos_token_id, 0);
  EXPECT_TRUE(d.has_chat_template);
  EXPECT_EQ(d.dtype, "float32");
  EXPECT_EQ(d.device, "cpu");
  EXPECT_GT(d.num_parameters, 100000);
  EXPECT_NE(d.tokenizer_json.find("\"model\""), std::string::npos);
}

TEST_F(EngineTest, TextPromptIsTokenizedWithSpecialTokens) {
  auto got = GenerateBlocking(*engine_, [] {
    auto r = Greedy("The quick brown fox", 4);
    r.params.echo_prompt = true;
    return r;
  }());
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->prompt.has_value());
  EXPECT_EQ(got->prompt->tokens.front().id, 0);  // <|begin_of_text|>
  EXPECT_EQ(got->prompt->text, "The quick brown fox");  // special tokens skipped
  EXPECT_EQ(got->usage.prompt_tokens, static_cast<int>(got->prompt->tokens.size()));
  EXPECT_EQ(got->usage.completion_tokens, 4);
  EXPECT_EQ(got->choices[0].finish_reason, FinishReason::kLength);
}

TEST_F(EngineTest, EmptyPromptStartsFromBos) {
  GenerationRequest r = Greedy("", 3);
  r.add_special_tokens = false;
  r.params.echo_prompt = true;
  auto got = GenerateBlocking(*engine_, r);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->prompt->tokens.size(), 1u);
  EXPECT_EQ(got->prompt->tokens[0].id, 0);
}

TEST_F(EngineTest, StreamsOneOutputPerToken) {
  auto got = GenerateBlocking(*engine_, Greedy("Call me Ishmael.", 10));
  ASSERT_TRUE(got.ok());
  EXPECT_GE(got->num_outputs, 10);
}

TEST_F(EngineTest, StopStringCutsTheTextAndFinishes) {
  auto full = GenerateBlocking(*engine_, Greedy("Call me Ishmael.", 24));
  ASSERT_TRUE(full.ok());
  const std::string& text = full->choices[0].text;
  ASSERT_GT(text.size(), 12u);
  // A stop string taken from the middle of the greedy text.
  const std::string stop = text.substr(text.size() / 2, 3);
  GenerationRequest r = Greedy("Call me Ishmael.", 24);
  r.params.stopping.stop = {stop};
  auto got = GenerateBlocking(*engine_, r);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->choices[0].finish_reason, FinishReason::kStopString);
  EXPECT_EQ(got->choices[0].stop_string, stop);
  EXPECT_EQ(got->choices[0].text, text.substr(0, text.find(stop)));
}

TEST_F(EngineTest, SameSeedSameTextDifferentSeedDifferentText) {
  auto sample = [&](uint64_t seed) {
    GenerationRequest r = Greedy("It was the best of times", 20);
    r.params.sampling.temperature = 1.0f;
    r.params.sampling.seed = seed;
    auto got = GenerateBlocking(*engine_, r);
    EXPECT_TRUE(got.ok());
    return Ids(got->choices[0]);
  };
  EXPECT_EQ(sample(42), sample(42));
  EXPECT_NE(sample(42), sample(43));
}

TEST_F(EngineTest, SeededOutputDoesNotDependOnBatchNeighbours) {
  GenerationRequest r = Greedy("It was the best of times", 16);
  r.params.sampling.temperature = 0.8f;
  r.params.sampling.top_p = 0.9f;
  r.params.sampling.seed = 7;
  auto alone = GenerateBlocking(*engine_, r);
  ASSERT_TRUE(alone.ok());
  std::vector<std::future<absl::StatusOr<CompletedRequest>>> noise;
  for (int i = 0; i < 3; ++i) {
    GenerationRequest other = Greedy("Noise request", 16);
    other.params.sampling.temperature = 1.0f;
    noise.push_back(std::async(std::launch::async, [&, other] { return GenerateBlocking(*engine_, other); }));
  }
  auto batched = GenerateBlocking(*engine_, r);
  for (auto& f : noise) ASSERT_TRUE(f.get().ok());
  ASSERT_TRUE(batched.ok());
  EXPECT_EQ(Ids(alone->choices[0]), Ids(batched->choices[0]));
}

TEST_F(EngineTest, NChoicesShareThePromptAndDiffer) {
  GenerationRequest r = Greedy("Call me Ishmael.", 12);
  r.params.sampling.temperature = 1.0f;
  r.params.sampling.seed = 3;
  r.params.n = 3;
  auto got = GenerateBlocking(*engine_, r);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->choices.size(), 3u);
  int total = 0;
  for (const auto& c : got->choices) {
    EXPECT_EQ(c.tokens.size(), 12u);
    total += static_cast<int>(c.tokens.size());
  }
  EXPECT_EQ(got->usage.completion_tokens, total);
  EXPECT_FALSE(Ids(got->choices[0]) == Ids(got->choices[1]) && Ids(got->choices[1]) == Ids(got->choices[2]));
}

TEST_F(EngineTest, GreedyChoicesAreIdentical) {
  GenerationRequest r = Greedy("Call me Ishmael.", 8);
  r.params.n = 2;
  auto single = GenerateBlocking(*engine_, Greedy("Call me Ishmael.", 8));
  auto got = GenerateBlocking(*engine_, r);
  ASSERT_TRUE(got.ok() && single.ok());
  EXPECT_EQ(Ids(got->choices[0]), Ids(single->choices[0]));
  EXPECT_EQ(Ids(got->choices[1]), Ids(single->choices[0]));
}

TEST_F(EngineTest, BestOfReturnsTheMostLikelyCandidatesOnce) {
  GenerationRequest r = Greedy("Call me Ishmael.", 10);
  r.params.sampling.temperature = 1.0f;
  r.params.sampling.seed = 11;
  r.params.n = 2;
  r.params.best_of = 5;
  r.params.logprobs = true;
  auto got = GenerateBlocking(*engine_, r);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->choices.size(), 2u);
  EXPECT_EQ(got->num_outputs, 1);  // nothing streams before all candidates are done
  EXPECT_GE(got->choices[0].cumulative_logprob, got->choices[1].cumulative_logprob);
  for (const auto& c : got->choices) {
    double sum = 0;
    for (const auto& t : c.tokens) sum += *t.logprob;
    EXPECT_NEAR(sum, c.cumulative_logprob, 1e-3);
  }
  EXPECT_EQ(got->usage.completion_tokens, 5 * 10);  // every candidate was generated
}

TEST_F(EngineTest, RepeatedPromptComesFromThePrefixCacheWithTheSameOutput) {
  const std::string prompt = "It was the best of times, it was the worst of times, it was the age of wisdom, it was the "
                             "age of foolishness, it was the epoch of belief";
  auto first = GenerateBlocking(*engine_, Greedy(prompt, 16));
  auto second = GenerateBlocking(*engine_, Greedy(prompt, 16));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_GE(second->usage.cached_prompt_tokens, 16);
  EXPECT_LT(second->usage.cached_prompt_tokens, second->usage.prompt_tokens);
  EXPECT_EQ(Ids(first->choices[0]), Ids(second->choices[0]));
  EXPECT_EQ(first->choices[0].text, second->choices[0].text);
}

TEST_F(EngineTest, PromptOnlyScoresThePromptAndGeneratesNothing) {
  GenerationRequest r = Greedy("Call me Ishmael. Some years ago", 0);
  r.params.stopping.prompt_only = true;
  r.params.echo_prompt = true;
  r.params.prompt_logprobs = 2;
  r.params.n = 2;
  auto got = GenerateBlocking(*engine_, r);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->prompt.has_value());
  EXPECT_FALSE(got->prompt->tokens[0].logprob.has_value());
  for (size_t i = 1; i < got->prompt->tokens.size(); ++i) {
    ASSERT_TRUE(got->prompt->tokens[i].logprob.has_value());
    EXPECT_LT(*got->prompt->tokens[i].logprob, 0.0f);
    EXPECT_EQ(got->prompt->tokens[i].top_logprobs.size(), 2u);
  }
  ASSERT_EQ(got->choices.size(), 2u);
  for (const auto& c : got->choices) {
    EXPECT_TRUE(c.tokens.empty());
    EXPECT_EQ(c.text, "");
    EXPECT_EQ(c.finish_reason, FinishReason::kLength);
  }
  EXPECT_EQ(got->usage.completion_tokens, 0);
  // The same prompt's logprobs as a request that goes on to generate.
  GenerationRequest full = Greedy("Call me Ishmael. Some years ago", 1);
  full.params.echo_prompt = true;
  full.params.prompt_logprobs = -1;
  auto reference = GenerateBlocking(*engine_, full);
  ASSERT_TRUE(reference.ok());
  for (size_t i = 1; i < got->prompt->tokens.size(); ++i)
    EXPECT_NEAR(*got->prompt->tokens[i].logprob, *reference->prompt->tokens[i].logprob, 1e-5);
  r.params.stopping.max_tokens = 3;
  EXPECT_EQ(GenerateBlocking(*engine_, r).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(EngineTest, ValidationNamesTheField) {
  auto expect_invalid = [&](GenerationRequest r, const std::string& field) {
    auto got = GenerateBlocking(*engine_, r);
    ASSERT_FALSE(got.ok()) << field;
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << got.status();
    EXPECT_EQ(got.status().message().substr(0, field.size()), field) << got.status();
  };
  GenerationRequest r = Greedy("hi", 4);
  r.params.stopping.max_tokens = 10000;
  expect_invalid(r, "max_tokens");
  r = Greedy("hi", 4);
  r.params.sampling.top_p = 0;
  expect_invalid(r, "top_p");
  r = Greedy("hi", 4);
  r.params.sampling.temperature = -1;
  expect_invalid(r, "temperature");
  r = Greedy("hi", 4);
  r.prompt_text.reset();
  r.prompt_ids = {5, 99999};
  expect_invalid(r, "prompt");
  r = Greedy("hi", 4);
  r.params.sampling.logit_bias = {{3, 500.0f}};
  expect_invalid(r, "logit_bias");
  r = Greedy("hi", 4);
  r.params.n = 3;
  r.params.best_of = 2;
  expect_invalid(r, "best_of");
  r = Greedy(std::string(3000, 'x') + " " + std::string(3000, 'y'), 4);
  expect_invalid(r, "prompt");
  r = Greedy("hi", 4);
  r.params.top_logprobs = 21;
  expect_invalid(r, "top_logprobs");
}

// An observer that cancels its request after the first output.
class CancelAfterFirst final : public OutputObserver {
 public:
  CancelAfterFirst(Engine& engine, std::string id) : engine_(engine), id_(std::move(id)) {}
  void OnOutput(RequestOutput output) override {
    ++outputs_;
    if (outputs_ == 1) engine_.Cancel(id_);
    if (output.finished) done_.set_value(output);
  }
  std::future<RequestOutput> done() { return done_.get_future(); }

 private:
  Engine& engine_;
  std::string id_;
  int outputs_ = 0;
  std::promise<RequestOutput> done_;
};

TEST(EngineCancelTest, CancelStopsTheRequestAndFreesItsCache) {
  // A cache that holds exactly one full-length sequence: if the cancelled request kept its blocks, the
  // next one could never run.
  EngineOptions options;
  options.kv_cache_bytes = 2LL * 2 * 16 * 2 * 16 * 4 * (512 / 16);  // layers*kv*block*heads*dim*4B*blocks
  auto engine = MakeEngine(options);
  ASSERT_NE(engine, nullptr);
  GenerationRequest r = Greedy("Call me Ishmael.", 400);
  r.request_id = "long";
  auto observer = std::make_shared<CancelAfterFirst>(*engine, "long");
  auto done = observer->done();
  ASSERT_TRUE(engine->Submit(r, observer).ok());
  ASSERT_EQ(done.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  RequestOutput last = done.get();
  EXPECT_EQ(last.status.code(), absl::StatusCode::kCancelled);
  EXPECT_LT(last.usage.completion_tokens, 400);
  auto next = GenerateBlocking(*engine, Greedy("Call me Ishmael.", 480));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->choices[0].tokens.size(), 480u);
}

// Greedy requests for `prompts`, started `stagger` apart on the same engine, give the tokens each gives
// alone.
void ExpectConcurrentTokensMatchAlone(Engine& engine, const std::vector<std::string>& prompts, int max_tokens,
                                      std::chrono::milliseconds stagger) {
  std::vector<std::vector<int32_t>> alone;
  for (const auto& p : prompts) {
    auto got = GenerateBlocking(engine, Greedy(p, max_tokens));
    ASSERT_TRUE(got.ok()) << got.status();
    alone.push_back(Ids(got->choices[0]));
  }
  std::vector<std::future<absl::StatusOr<CompletedRequest>>> futures;
  for (const auto& p : prompts) {
    futures.push_back(std::async(std::launch::async, [&, p] { return GenerateBlocking(engine, Greedy(p, max_tokens)); }));
    std::this_thread::sleep_for(stagger);
  }
  for (size_t i = 0; i < futures.size(); ++i) {
    auto got = futures[i].get();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(Ids(got->choices[0]), alone[i]) << prompts[i];
  }
}

TEST(EnginePreemptionTest, PreemptedRequestsGiveTheSameTokens) {
  // Room for about two sequences of ~150 tokens: four concurrent ones force preemption and recompute.
  EngineOptions options;
  options.kv_cache_bytes = 2LL * 2 * 16 * 2 * 16 * 4 * 20;  // 20 blocks = 320 tokens
  auto engine = MakeEngine(options);
  ASSERT_NE(engine, nullptr);
  ExpectConcurrentTokensMatchAlone(*engine, {"Call me Ishmael.", "It was the best of times", "The quick brown fox", "Whale"},
                                   140, std::chrono::milliseconds(0));
}

// Prompts chunked 3 tokens a step while other streams decode give the tokens they give alone.
TEST(EnginePrefillCapTest, PromptsChunkedAroundDecodesGiveTheSameTokens) {
  EngineOptions options;
  options.max_prefill_tokens_with_decodes = 3;
  auto engine = MakeEngine(options);
  ASSERT_NE(engine, nullptr);
  // 20 ms apart: the later prompts meet decoding streams.
  ExpectConcurrentTokensMatchAlone(*engine,
                                   {"Call me Ishmael. Some years ago, never mind how long precisely",
                                    "It was the best of times, it was the worst of times, it was the age of wisdom",
                                    "The quick brown fox jumps over the lazy dog"},
                                   40, std::chrono::milliseconds(20));
}

// -1 is the device default and 0 no cap; anything lower is an error.
TEST(EnginePrefillCapTest, CapBelowMinusOneIsRejected) {
  EngineOptions options;
  options.model_dir = std::string(BASALT_FIXTURES_DIR) + "/models/llama";
  options.max_prefill_tokens_with_decodes = -2;
  const auto engine = Engine::Create(options);
  EXPECT_EQ(engine.status().code(), absl::StatusCode::kInvalidArgument) << engine.status();
}

// An observer that only waits for the final output.
class WaitForEnd final : public OutputObserver {
 public:
  void OnOutput(RequestOutput output) override {
    if (output.finished) done_.set_value(output);
  }
  std::future<RequestOutput> done() { return done_.get_future(); }

 private:
  std::promise<RequestOutput> done_;
};

TEST(EngineQueueTest, FullQueueIsResourceExhausted) {
  EngineOptions options;
  options.max_queued_requests = 1;
  auto engine = MakeEngine(options);
  ASSERT_NE(engine, nullptr);
  GenerationRequest r = Greedy("Call me Ishmael.", 480);
  r.request_id = "first";
  auto observer = std::make_shared<WaitForEnd>();
  auto done = observer->done();
  // The long request holds the only slot, so a second one is refused at once.
  ASSERT_TRUE(engine->Submit(r, observer).ok());
  auto second = GenerateBlocking(*engine, Greedy("x", 2));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted) << second.status();
  engine->Cancel("first");
  EXPECT_EQ(done.get().status.code(), absl::StatusCode::kCancelled);
  // The slot is free again.
  EXPECT_TRUE(GenerateBlocking(*engine, Greedy("x", 2)).ok());
}

}  // namespace
}  // namespace basalt::engine
