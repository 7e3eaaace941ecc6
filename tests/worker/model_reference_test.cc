// Every fixture model reproduces what transformers generated for it: same greedy tokens, logprobs and
// top-5 within 1e-3, same prompt logprobs (decoder-only models), on CPU in float32 - and the
// sampling-parameter cases (penalties, logit bias, stop ids, min_tokens) give the same tokens as
// transformers' processors.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "tests/worker/reference_cases.h"
#include "worker/engine/engine.h"

namespace basalt::testing {
namespace {

std::string ModelDir(const std::string& name) { return std::string(BASALT_FIXTURES_DIR) + "/models/" + name; }

engine::Engine& EngineFor(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<engine::Engine>> engines;
  std::lock_guard<std::mutex> lock(mu);  // the batched test calls this from several threads
  auto& slot = engines[name];
  if (!slot) {
    engine::EngineOptions options;
    options.model_dir = ModelDir(name);
    options.dtype = "float32";
    auto created = engine::Engine::Create(options);
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) std::abort();
    slot = std::move(*created);
  }
  return *slot;
}

class ModelReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelReferenceTest, GreedyTokensAndLogprobsMatchTransformers) {
  auto cases = LoadReferenceCases(ModelDir(GetParam()));
  ASSERT_FALSE(cases.empty());
  int steps = 0;
  for (const auto& c : cases) {
    auto got = engine::GenerateBlocking(EngineFor(GetParam()), RequestFor(c));
    ASSERT_TRUE(got.ok()) << c.name << ": " << got.status();
    steps += ExpectMatchesReference(c, *got);
  }
  RecordProperty("compared_steps", steps);
}

TEST_P(ModelReferenceTest, AllCasesInOneBatchMatchToo) {
  // Submitted together, the cases share steps (continuous batching): results must not change.
  auto cases = LoadReferenceCases(ModelDir(GetParam()));
  std::vector<std::thread> threads;
  std::vector<absl::StatusOr<engine::CompletedRequest>> results(cases.size(), absl::UnknownError("not run"));
  for (size_t i = 0; i < cases.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = engine::GenerateBlocking(EngineFor(GetParam()), RequestFor(cases[i])); });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].status();
    ExpectMatchesReference(cases[i], *results[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(DecoderFamilies, ModelReferenceTest,
                         ::testing::ValuesIn(kDecoderOnlyFixtures),
                         FixtureTestName);

// Prompt -> encoder, completion -> decoder (from decoder_start_token_id); no prompt logprobs.
INSTANTIATE_TEST_SUITE_P(EncoderDecoderFamilies, ModelReferenceTest, ::testing::ValuesIn(kEncoderDecoderFixtures),
                         FixtureTestName);

}  // namespace
}  // namespace basalt::testing
