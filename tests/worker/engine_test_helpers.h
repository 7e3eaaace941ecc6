#pragma once
// What the engine tests share: an engine on a CPU fixture model (float32), a greedy request, and the
// token ids of a completed choice.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "worker/engine/blocking_generate.h"
#include "worker/engine/engine.h"

namespace basalt::engine {

inline std::unique_ptr<Engine> MakeFixtureEngine(const std::string& model, EngineOptions options = {}) {
  options.model_dir = std::string(BASALT_FIXTURES_DIR) + "/models/" + model;
  options.dtype = "float32";
  auto engine = Engine::Create(options);
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? std::move(*engine) : nullptr;
}

// Temperature 0, EOS ignored: exactly max_tokens tokens unless a stop is set.
inline GenerationRequest Greedy(const std::string& prompt, int max_tokens) {
  GenerationRequest r;
  r.prompt_text = prompt;
  r.params.sampling.temperature = 0;
  r.params.stopping.max_tokens = max_tokens;
  r.params.stopping.ignore_eos = true;
  return r;
}

inline std::vector<int32_t> Ids(const CompletedChoice& c) {
  std::vector<int32_t> ids;
  for (const auto& t : c.tokens) ids.push_back(t.id);
  return ids;
}

}  // namespace basalt::engine
