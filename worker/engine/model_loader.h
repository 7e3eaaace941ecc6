#pragma once
// Loads everything a model directory holds: config, tokenizer, weights (onto the chosen device and
// dtype), and the description the API reports.
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/tokenizer/tokenizer.h"
#include "worker/engine/engine.h"
#include "worker/model/generative_model.h"
#include "worker/model/hf_config.h"
#include "worker/model/model_spec.h"

namespace basalt::engine {

struct LoadedModel {
  std::unique_ptr<model::HfConfig> config;
  model::ModelSpec spec;
  std::unique_ptr<model::GenerativeModel> model;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  ModelDescription description;
};

absl::StatusOr<std::unique_ptr<LoadedModel>> LoadModel(const EngineOptions& options);

// "auto" resolves to float32 on CPU and to the checkpoint's half type on CUDA (bfloat16 when the
// checkpoint is float32). Exposed for tests.
absl::StatusOr<at::ScalarType> ResolveDType(const std::string& requested, const std::string& config_dtype,
                                            bool on_cuda);

std::string ScalarTypeName(at::ScalarType type);

}  // namespace basalt::engine
