#include "worker/model/family_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "worker/model/families/families.h"

namespace basalt::model {

const std::vector<Family>& AllFamilies() {
  static const std::vector<Family> kFamilies = {
      families::Llama(),
      families::Mistral(),
      families::Qwen2(),
      families::Qwen3(),
      families::Gpt2(),
      families::GptNeox(),
      families::Bloom(),
      families::Opt(),
      families::Gemma(),
      families::Gemma2(),
      families::T5(),
      families::Bart(),
  };
  return kFamilies;
}

absl::StatusOr<ModelSpec> BuildModelSpec(const HfConfig& config) {
  const Family* match = nullptr;
  for (const Family& family : AllFamilies()) {
    const auto& archs = family.architectures;
    if (!config.architecture().empty() &&
        std::find(archs.begin(), archs.end(), config.architecture()) != archs.end()) {
      match = &family;
      break;
    }
  }
  if (match == nullptr && config.architecture().empty()) {
    for (const Family& family : AllFamilies()) {
      const auto& types = family.model_types;
      if (std::find(types.begin(), types.end(), config.model_type()) != types.end()) {
        match = &family;
        break;
      }
    }
  }
  if (match == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported model architecture '",
        config.architecture().empty() ? config.model_type() : config.architecture(),
        "'; supported: ", absl::StrJoin(SupportedArchitectures(), ", ")));
  }
  auto spec = match->build(config);
  if (!spec.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config.json (", match->name, "): ", spec.status().message()));
  }
  spec->family = match->name;
  spec->architecture = config.architecture();
  spec->model_type = config.model_type();
  return spec;
}

std::vector<std::string> SupportedArchitectures() {
  std::vector<std::string> names;
  for (const Family& family : AllFamilies())
    names.insert(names.end(), family.architectures.begin(), family.architectures.end());
  return names;
}

}  // namespace basalt::model
