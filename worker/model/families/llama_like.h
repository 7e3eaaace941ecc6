#pragma once
// The Llama layout, shared by the families that differ from it by a few switches.
#include "absl/status/statusor.h"
#include "rapidjson/document.h"
#include "worker/model/model_spec.h"

namespace basalt::model::families {

struct LlamaVariant {
  bool qkv_bias = false;           // Qwen2: q/k/v always carry biases
  bool qk_norm = false;            // Qwen3: RMSNorm on each head of q and k
  bool window_needs_flag = false;  // Qwen2/3: sliding_window only applies with use_sliding_window
};

absl::StatusOr<ModelSpec> BuildLlamaLike(const rapidjson::Value& config, const LlamaVariant& variant);

}  // namespace basalt::model::families
