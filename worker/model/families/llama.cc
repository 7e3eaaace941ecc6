// Llama: RMSNorm, RoPE (with Llama-3 / linear / dynamic / YaRN scaling), grouped-query attention,
// SwiGLU, optional attention and MLP biases, tied or untied embeddings.
#include "common/json/json.h"
#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"
#include "worker/model/families/llama_like.h"

namespace basalt::model::families {

absl::StatusOr<ModelSpec> BuildLlamaLike(const rapidjson::Value& config, const LlamaVariant& variant) {
  ModelSpec spec;
  if (auto s = ReadDecoderBasics(config, &spec); !s.ok()) return s;
  if (auto s = ReadRope(config, &spec); !s.ok()) return s;
  auto eps = json::GetOr<double>(config, "rms_norm_eps", 1e-6);
  if (!eps.ok()) return eps.status();
  spec.norm = NormSpec{NormType::kRmsNorm, *eps, false, false};

  auto act = json::GetOr<std::string>(config, "hidden_act", "silu");
  if (!act.ok()) return act.status();
  auto activation = ParseActivation(*act);
  if (!activation.ok()) return activation.status();
  spec.mlp.gated = true;
  spec.mlp.activation = *activation;

  auto attention_bias = json::GetOr<bool>(config, "attention_bias", false);
  auto mlp_bias = json::GetOr<bool>(config, "mlp_bias", false);
  if (!attention_bias.ok()) return attention_bias.status();
  if (!mlp_bias.ok()) return mlp_bias.status();
  spec.attention.qkv_bias = variant.qkv_bias || *attention_bias;
  spec.attention.out_bias = *attention_bias;
  spec.mlp.bias = *mlp_bias;
  spec.attention.qk_norm = variant.qk_norm;

  // Sliding window: Mistral applies it to every layer when set; Qwen2/3 only with use_sliding_window,
  // to the layers from max_window_layers on; transformers 5 writes the result as "layer_types".
  auto window = json::GetInt(config, "sliding_window");
  if (!window.ok()) return window.status();
  bool sliding = window->has_value() && **window > 0;
  if (sliding && variant.window_needs_flag) {
    auto use = json::GetOr<bool>(config, "use_sliding_window", false);
    if (!use.ok()) return use.status();
    sliding = *use;
  }
  if (sliding) spec.attention.sliding_window = static_cast<int>(**window);
  if (auto s = ReadLayerTypes(config, &spec, sliding); !s.ok()) return s;
  if (sliding && variant.window_needs_flag && json::Find(config, "layer_types") == nullptr) {
    auto max_window_layers = json::GetOr<int64_t>(config, "max_window_layers", spec.num_layers);
    if (!max_window_layers.ok()) return max_window_layers.status();
    for (int i = 0; i < spec.num_layers; ++i) spec.layer_uses_sliding_window[i] = i >= *max_window_layers;
  }
  bool any_sliding = false;
  for (bool b : spec.layer_uses_sliding_window) any_sliding |= b;
  if (any_sliding && !spec.attention.sliding_window) {
    if (!window->has_value() || **window <= 0)
      return absl::InvalidArgumentError("layer_types has sliding layers but no sliding_window");
    spec.attention.sliding_window = static_cast<int>(**window);
  }

  spec.position = PositionType::kRotary;
  spec.weights = LlamaWeightNames();
  if (variant.qk_norm) {
    spec.weights.q_norm = "model.layers.{L}.self_attn.q_norm";
    spec.weights.k_norm = "model.layers.{L}.self_attn.k_norm";
  }
  return spec;
}

Family Llama() {
  return Family{"llama", {"LlamaForCausalLM"}, {"llama"}, [](const HfConfig& c) {
                  return BuildLlamaLike(c.text_config(), LlamaVariant{});
                }};
}

}  // namespace basalt::model::families
