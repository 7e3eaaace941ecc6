// Asynchronous decoding on the GPU, where it replays CUDA graphs that take their input ids from the
// previous graph's greedy choices: the same tokens and logprobs as the synchronous engine, request by
// request (batch 1, so both run the same kernels), for each decoder family that captures graphs, and
// the engine's counters show the asynchronous path ran. The logic under batching, stops, preemption
// and cancellation is tested on CPU (engine_async_test.cc).
#include <gtest/gtest.h>

#include "tests/worker/reference_cases.h"
#include "worker/engine/blocking_generate.h"
#include "worker/engine/engine.h"

namespace basalt::testing {
namespace {

std::unique_ptr<engine::Engine> MakeCudaEngine(const std::string& model, const std::string& async_decode) {
  engine::EngineOptions options;
  options.model_dir = std::string(BASALT_FIXTURES_DIR) + "/models/" + model;
  options.device = "cuda";
  options.dtype = "bfloat16";
  options.kv_cache_bytes = 64 << 20;
  options.max_num_seqs = 8;  // fewer graphs to capture
  options.async_decode = async_decode;
  auto engine = engine::Engine::Create(options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? std::move(*engine) : nullptr;
}

class CudaEngineAsyncTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaEngineAsyncTest, GreedyTokensAndLogprobsEqualTheSynchronousEngine) {
  auto sync = MakeCudaEngine(GetParam(), "off");
  auto async = MakeCudaEngine(GetParam(), "auto");  // auto: on, on a GPU
  ASSERT_NE(sync, nullptr);
  ASSERT_NE(async, nullptr);
  const std::string dir = std::string(BASALT_FIXTURES_DIR) + "/models/" + GetParam();
  auto cases = LoadReferenceCases(dir, "bf16_cuda");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    engine::GenerationRequest r;
    r.prompt_ids = c.prompt_ids;
    r.params = c.params;
    r.params.sampling.temperature = 0;
    r.params.logprobs = true;
    auto a = engine::GenerateBlocking(*async, r);
    auto s = engine::GenerateBlocking(*sync, r);
    ASSERT_TRUE(a.ok() && s.ok());
    ASSERT_EQ(a->choices[0].tokens.size(), s->choices[0].tokens.size()) << c.name;
    EXPECT_EQ(a->choices[0].finish_reason, s->choices[0].finish_reason) << c.name;
    for (size_t t = 0; t < s->choices[0].tokens.size(); ++t) {
      EXPECT_EQ(a->choices[0].tokens[t].id, s->choices[0].tokens[t].id) << c.name << " token " << t;
      EXPECT_NEAR(*a->choices[0].tokens[t].logprob, *s->choices[0].tokens[t].logprob, 1e-5) << c.name << " token " << t;
    }
  }
  EXPECT_EQ(sync->counters().async_steps, 0);
  EXPECT_GT(async->counters().async_steps, 0);
}

INSTANTIATE_TEST_SUITE_P(DecoderFamilies, CudaEngineAsyncTest,
                         ::testing::Values("llama", "mistral", "qwen2", "qwen3", "gpt2", "gpt-neox", "gemma", "gemma2"),
                         FixtureTestName);

}  // namespace
}  // namespace basalt::testing
