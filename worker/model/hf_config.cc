#include "worker/model/hf_config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/fs/read_file.h"
#include "common/json/json.h"

namespace basalt::model {

absl::StatusOr<std::vector<int32_t>> ReadTokenIdList(const rapidjson::Value& object, const char* key) {
  std::vector<int32_t> ids;
  const rapidjson::Value* v = json::Find(object, key);
  if (v == nullptr || v->IsNull()) return ids;
  if (v->IsInt()) {
    ids.push_back(v->GetInt());
  } else if (v->IsArray()) {
    for (const auto& item : v->GetArray()) {
      if (!item.IsInt()) return absl::InvalidArgumentError(absl::StrCat("'", key, "' has a non-integer"));
      ids.push_back(item.GetInt());
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat("'", key, "' must be an integer or a list"));
  }
  return ids;
}

namespace {
absl::StatusOr<std::optional<int32_t>> ReadOptionalId(const rapidjson::Value& a, const rapidjson::Value& b,
                                                     const char* key) {
  // generation_config.json (b) wins over config.json (a), as transformers merges them.
  for (const rapidjson::Value* obj : {&b, &a}) {
    auto v = json::GetInt(*obj, key);
    if (!v.ok()) return v.status();
    if (v->has_value()) return std::optional<int32_t>(static_cast<int32_t>(**v));
  }
  return std::optional<int32_t>();
}
}  // namespace

absl::StatusOr<std::unique_ptr<HfConfig>> HfConfig::FromJson(const std::string& config_json,
                                                           const std::string& generation_config_json) {
  auto result = std::unique_ptr<HfConfig>(new HfConfig());
  auto config = json::Parse(config_json);
  if (!config.ok()) return absl::InvalidArgumentError(absl::StrCat("config.json: ", config.status().message()));
  if (!config->IsObject()) return absl::InvalidArgumentError("config.json is not a JSON object");
  result->config_ = std::move(*config);
  if (!generation_config_json.empty()) {
    auto gen = json::Parse(generation_config_json);
    if (!gen.ok())
      return absl::InvalidArgumentError(absl::StrCat("generation_config.json: ", gen.status().message()));
    result->generation_config_ = std::move(*gen);
  }
  if (!result->generation_config_.IsObject()) result->generation_config_.SetObject();

  auto model_type = json::GetOr<std::string>(result->config_, "model_type", "");
  if (!model_type.ok()) return model_type.status();
  result->model_type_ = *model_type;
  const rapidjson::Value* archs = json::Find(result->config_, "architectures");
  if (archs != nullptr && archs->IsArray() && !archs->Empty() && (*archs)[0].IsString())
    result->architecture_ = (*archs)[0].GetString();

  GenerationDefaults& g = result->generation_;
  const rapidjson::Value& text = result->text_config();
  for (const rapidjson::Value* obj : {&text, static_cast<const rapidjson::Value*>(&result->generation_config_)}) {
    auto ids = ReadTokenIdList(*obj, "eos_token_id");
    if (!ids.ok()) return ids.status();
    for (int32_t id : *ids) {
      if (std::find(g.eos_token_ids.begin(), g.eos_token_ids.end(), id) == g.eos_token_ids.end())
        g.eos_token_ids.push_back(id);
    }
  }
  const rapidjson::Value& gen = result->generation_config_;
  for (auto [key, field] : {std::pair{"bos_token_id", &g.bos_token_id}, std::pair{"pad_token_id", &g.pad_token_id},
                            std::pair{"decoder_start_token_id", &g.decoder_start_token_id},
                            std::pair{"forced_bos_token_id", &g.forced_bos_token_id},
                            std::pair{"forced_eos_token_id", &g.forced_eos_token_id}}) {
    auto v = ReadOptionalId(text, gen, key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  return result;
}

absl::StatusOr<std::unique_ptr<HfConfig>> HfConfig::FromDirectory(const std::string& dir) {
  auto config = fs::ReadFile(fs::JoinPath(dir, "config.json"));
  if (!config.ok()) return config.status();
  std::string generation;
  auto gen = fs::ReadFile(fs::JoinPath(dir, "generation_config.json"));
  if (gen.ok()) {
    generation = std::move(*gen);
  } else if (!absl::IsNotFound(gen.status())) {
    return gen.status();
  }
  return FromJson(*config, generation);
}

const rapidjson::Value& HfConfig::text_config() const {
  const rapidjson::Value* text = json::Find(config_, "text_config");
  if (text != nullptr && text->IsObject()) return *text;
  return config_;
}

}  // namespace basalt::model
