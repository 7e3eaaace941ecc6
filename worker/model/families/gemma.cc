// Gemma: the Llama layout with RMSNorm weights stored as (scale - 1), the embedding multiplied by
// sqrt(hidden_size) (rounded to the activations' dtype), a tanh-GELU gated MLP, explicit head_dim and a
// tied head.
#include <cmath>

#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"
#include "worker/model/families/gemma_like.h"

namespace basalt::model::families {

absl::StatusOr<ModelSpec> BuildGemmaLike(const rapidjson::Value& config) {
  ModelSpec spec;
  if (auto s = ReadDecoderBasics(config, &spec); !s.ok()) return s;
  if (auto s = ReadRope(config, &spec); !s.ok()) return s;
  if (auto s = ReadDtypeAndTying(config, &spec, /*tie_default=*/true); !s.ok()) return s;
  ConfigReader r(config);
  spec.norm = NormSpec{NormType::kRmsNorm, r.Double("rms_norm_eps", 1e-6), false, /*unit_offset=*/true};
  spec.mlp.gated = true;
  // transformers uses hidden_activation (older configs' hidden_act "gelu" meant the tanh form too).
  spec.mlp.activation = r.Act({"hidden_activation"}, "gelu_pytorch_tanh");
  spec.attention.qkv_bias = spec.attention.out_bias = r.Bool("attention_bias", false);
  spec.embedding_multiplier = std::sqrt(static_cast<double>(spec.hidden_size));
  spec.round_embedding_multiplier = true;
  spec.position = PositionType::kRotary;
  spec.weights = LlamaWeightNames();
  if (!r.status().ok()) return r.status();
  return spec;
}

Family Gemma() {
  return Family{"gemma", {"GemmaForCausalLM"}, {"gemma"},
                [](const HfConfig& c) { return BuildGemmaLike(c.text_config()); }};
}

}  // namespace basalt::model::families
