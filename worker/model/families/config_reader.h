#pragma once
// Helpers the family files share to read config.json keys with clear errors.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"
#include "worker/model/model_spec.h"

namespace basalt::model::families {

// Reads config keys and keeps the first error, so that a family file is a flat list of reads followed
// by one status check. Where a value has several names (GPT-2's n_embd for hidden_size), the first
// present one is read.
class ConfigReader {
 public:
  explicit ConfigReader(const rapidjson::Value& config) : config_(config) {}

  // A positive integer that must be present.
  int64_t Required(std::initializer_list<const char*> keys);
  int64_t Int(std::initializer_list<const char*> keys, int64_t fallback);
  std::optional<int64_t> OptionalInt(const char* key);
  double Double(const char* key, double fallback);
  std::optional<double> OptionalDouble(const char* key);
  bool Bool(const char* key, bool fallback);
  std::string String(const char* key, const std::string& fallback);
  Activation Act(std::initializer_list<const char*> keys, const std::string& fallback);
  bool Has(const char* key) const;

  const rapidjson::Value& config() const { return config_; }
  const absl::Status& status() const { return status_; }

 private:
  const char* FirstPresent(std::initializer_list<const char*> keys) const;
  void Keep(const absl::Status& s) {
    if (status_.ok() && !s.ok()) status_ = s;
  }
  const rapidjson::Value& config_;
  absl::Status status_;
};

// The attention implementation transformers runs the model with: config.json's _attn_implementation (or
// attn_implementation) when it names one, else "sdpa", from_pretrained's default. Some families' options
// act only in transformers' eager kernel (GPT-2's scale_attn_by_inverse_layer_idx, Gemma-2's score
// soft-capping), so matching transformers means following the implementation it would pick.
std::string AttentionImplementation(const rapidjson::Value& config);

// Reads dtype / torch_dtype and tie_word_embeddings into the spec.
absl::Status ReadDtypeAndTying(const rapidjson::Value& config, ModelSpec* spec, bool tie_default);

// Reads a required positive integer.
absl::StatusOr<int64_t> RequirePositive(const rapidjson::Value& config, const char* key);

// Reads the fields every decoder-only transformer has (sizes, heads, positions, dtype, tying).
absl::Status ReadDecoderBasics(const rapidjson::Value& config, ModelSpec* spec);

// Reads rope_theta / rope_scaling (transformers 4) or rope_parameters (transformers 5) into spec->rope.
absl::Status ReadRope(const rapidjson::Value& config, ModelSpec* spec);

// Maps hidden_act / hidden_activation names onto Activation.
absl::StatusOr<Activation> ParseActivation(const std::string& name);

// Fills layer_uses_sliding_window from "layer_types" (transformers 5) or the given fallback.
absl::Status ReadLayerTypes(const rapidjson::Value& config, ModelSpec* spec, bool all_sliding_fallback);

// Weight names of the Llama layout ("model.layers.{L}.self_attn.q_proj" ...).
WeightNames LlamaWeightNames();

}  // namespace basalt::model::families
