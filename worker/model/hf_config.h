#pragma once
// A model directory's config.json and generation_config.json, with the settings every family shares.
// Family-specific keys are read by the family files from `config()`. Torch-free.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"

namespace basalt::model {

struct GenerationDefaults {
  std::vector<int32_t> eos_token_ids;  // union of config.json and generation_config.json
  std::optional<int32_t> bos_token_id;
  std::optional<int32_t> pad_token_id;
  std::optional<int32_t> decoder_start_token_id;
  std::optional<int32_t> forced_bos_token_id;
  std::optional<int32_t> forced_eos_token_id;
};

class HfConfig {
 public:
  static absl::StatusOr<std::unique_ptr<HfConfig>> FromDirectory(const std::string& dir);
  // For tests: from the texts of config.json and generation_config.json ("" when absent).
  static absl::StatusOr<std::unique_ptr<HfConfig>> FromJson(const std::string& config_json,
                                                            const std::string& generation_config_json);

  const rapidjson::Value& config() const { return config_; }
  const rapidjson::Value& generation_config() const { return generation_config_; }
  const std::string& model_type() const { return model_type_; }
  const std::string& architecture() const { return architecture_; }
  const GenerationDefaults& generation() const { return generation_; }
  // config.json's text_config for multimodal wrappers, else config.json itself.
  const rapidjson::Value& text_config() const;

 private:
  rapidjson::Document config_;
  rapidjson::Document generation_config_;
  std::string model_type_;
  std::string architecture_;
  GenerationDefaults generation_;
};

// Reads an id or a list of ids (eos_token_id may be either). Absent/null gives an empty list.
absl::StatusOr<std::vector<int32_t>> ReadTokenIdList(const rapidjson::Value& object, const char* key);

}  // namespace basalt::model
