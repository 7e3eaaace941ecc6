#pragma once
// Reads the transformers reference outputs committed with each fixture model (reference.json) and
// compares engine results against them, with the tolerance rules of the model tests: identical greedy
// tokens (divergence allowed only after a step whose top-2 logit gap is under 1e-3), logprobs within 1e-3.
#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/fs/read_file.h"
#include "common/json/json.h"
#include "worker/engine/blocking_generate.h"
#include "worker/engine/generation_types.h"

namespace basalt::testing {

inline constexpr double kLogprobTolerance = 1e-3;
inline constexpr double kTieGap = 1e-3;

struct ReferenceCase {
  std::string name;
  std::string prompt;
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> output_ids;
  std::vector<double> logprobs;
  std::vector<std::vector<std::pair<int32_t, double>>> top_logprobs;
  std::vector<double> top2_gap;
  std::vector<std::optional<double>> prompt_logprobs;  // empty when not recorded
  engine::GenerationParams params;
};

std::vector<ReferenceCase> LoadReferenceCases(const std::string& model_dir, const std::string& section = "cases");

// A request that reproduces the case (greedy, the case's penalties/bias/stop ids, logprobs with top-5,
// and prompt logprobs when recorded).
engine::GenerationRequest RequestFor(const ReferenceCase& c);

// Checks one completed request against its reference; returns the number of steps compared. Logprobs
// must agree within tolerance + relative * |reference logprob|.
int ExpectMatchesReference(const ReferenceCase& c, const engine::CompletedRequest& got,
                           double tolerance = kLogprobTolerance, double relative = 0.0);

// The fixture models (tests/fixtures/models) with a float32 reference, by kind.
inline const std::vector<std::string> kDecoderOnlyFixtures = {
    "llama", "llama-llama3rope-tied-bias", "llama-linear-rope-metaspace", "llama-yarn", "llama-dynamic", "mistral",
    "qwen2", "qwen3", "gpt2", "gpt-neox", "gpt-neox-sequential", "bloom", "opt", "opt-projected", "gemma", "gemma2"};
inline const std::vector<std::string> kEncoderDecoderFixtures = {"t5", "t5-v1_1", "bart"};

// A GoogleTest parameter name for a fixture directory name ("llama-yarn" -> "llama_yarn").
inline std::string FixtureTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

}  // namespace basalt::testing
