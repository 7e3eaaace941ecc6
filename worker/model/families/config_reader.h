#pragma once
// Helpers the family files share to read config.json keys with clear errors.
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "rapidjson/document.h"
#include "worker/model/model_spec.h"

namespace basalt::model::families {

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
