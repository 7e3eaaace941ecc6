// Gemma-2: Gemma plus sandwich norms (after attention and around the MLP), attention scaled by
// query_pre_attn_scalar**-0.5, tanh soft-capping of the final logits (and of attention scores, see
// below), and a sliding window on alternate layers (layer_types; the even layers when the config
// predates it).
#include <cmath>

#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"
#include "worker/model/families/gemma_like.h"

namespace basalt::model::families {
namespace {

absl::StatusOr<ModelSpec> BuildGemma2(const HfConfig& c) {
  const rapidjson::Value& config = c.text_config();
  auto spec = BuildGemmaLike(config);
  if (!spec.ok()) return spec.status();
  ConfigReader r(config);
  spec->sandwich_norm = true;
  spec->attention.scale = 1.0 / std::sqrt(r.Double("query_pre_attn_scalar", 256.0));
  // transformers caps attention scores only in its eager and flash-attention kernels; its default (sdpa,
  // what from_pretrained picks) leaves them uncapped, and the references follow it. A config that names
  // one of the capping implementations gets the cap.
  const std::string impl = AttentionImplementation(config);
  if (impl == "eager" || impl == "flash_attention_2")
    spec->attention.logit_softcap = r.OptionalDouble("attn_logit_softcapping").value_or(0.0);
  spec->final_logit_softcap = r.OptionalDouble("final_logit_softcapping").value_or(0.0);
  const int64_t window = r.Int({"sliding_window"}, 4096);
  if (!r.status().ok()) return r.status();
  if (auto s = ReadLayerTypes(config, &*spec, false); !s.ok()) return s;
  if (!r.Has("layer_types")) {
    for (int i = 0; i < spec->num_layers; ++i) spec->layer_uses_sliding_window[i] = i % 2 == 0;
  }
  if (window > 0) spec->attention.sliding_window = static_cast<int>(window);
  WeightNames& w = spec->weights;
  w.pre_feedforward_norm = "model.layers.{L}.pre_feedforward_layernorm";
  w.post_feedforward_norm = "model.layers.{L}.post_feedforward_layernorm";
  return spec;
}

}  // namespace

Family Gemma2() { return Family{"gemma2", {"Gemma2ForCausalLM"}, {"gemma2"}, BuildGemma2}; }

}  // namespace basalt::model::families
