#pragma once
// Maps a checkpoint's config.json onto a ModelSpec through the family that serves its architecture.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/model/hf_config.h"
#include "worker/model/model_spec.h"

namespace basalt::model {

// One family: the architectures / model types it serves and how it reads their config.json.
struct Family {
  std::string name;
  std::vector<std::string> architectures;  // config.json "architectures" entries, e.g. "LlamaForCausalLM"
  std::vector<std::string> model_types;    // config.json "model_type" values, e.g. "llama"
  absl::StatusOr<ModelSpec> (*build)(const HfConfig& config);
};

const std::vector<Family>& AllFamilies();

// The spec of the model described by `config`. An unknown architecture is an InvalidArgument error that
// names it and lists the supported ones.
absl::StatusOr<ModelSpec> BuildModelSpec(const HfConfig& config);

std::vector<std::string> SupportedArchitectures();

}  // namespace basalt::model
