// GPT-NeoX / Pythia: LayerNorm with bias, partial rotary embeddings (rotary_pct / partial_rotary_factor of
// each head), one query_key_value projection laid out per head as [heads, 3, head_dim], parallel
// residual (x + attn(ln1(x)) + mlp(ln2(x))) or sequential, separate embed_out head.
#include "common/json/json.h"
#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"

namespace basalt::model::families {
namespace {

absl::StatusOr<ModelSpec> BuildGptNeox(const HfConfig& c) {
  const rapidjson::Value& config = c.text_config();
  ModelSpec spec;
  if (auto s = ReadDecoderBasics(config, &spec); !s.ok()) return s;
  if (auto s = ReadRope(config, &spec); !s.ok()) return s;
  ConfigReader r(config);
  // transformers 4 names the base rotary_emb_base; 5 folds it into rope_parameters (read by ReadRope).
  if (!r.Has("rope_theta") && json::Find(config, "rope_parameters") == nullptr)
    spec.rope.theta = r.Double("rotary_emb_base", 10000.0);
  double fraction = r.Double("rotary_pct", 0.25);
  fraction = r.Double("partial_rotary_factor", fraction);
  if (const rapidjson::Value* params = json::Find(config, "rope_parameters"); params != nullptr && params->IsObject()) {
    ConfigReader p(*params);
    fraction = p.Double("partial_rotary_factor", fraction);
    if (!p.status().ok()) return p.status();
  }
  spec.rope.rotary_dim = static_cast<int>(spec.attention.head_dim * fraction);
  spec.parallel_residual = r.Bool("use_parallel_residual", true);
  spec.norm = NormSpec{NormType::kLayerNorm, r.Double("layer_norm_eps", 1e-5), true, false};
  spec.attention.qkv_bias = spec.attention.out_bias = r.Bool("attention_bias", true);
  spec.mlp.gated = false;
  spec.mlp.bias = true;
  spec.mlp.activation = r.Act({"hidden_act"}, "gelu");
  spec.position = PositionType::kRotary;
  if (!r.status().ok()) return r.status();
  if (spec.rope.rotary_dim <= 0 || spec.rope.rotary_dim % 2 != 0 || spec.rope.rotary_dim > spec.attention.head_dim)
    return absl::InvalidArgumentError("rotary_pct must give an even number of rotated dimensions per head");

  WeightNames& w = spec.weights;
  w.base_prefix = "gpt_neox.";
  w.embed_tokens = "gpt_neox.embed_in";
  w.final_norm = "gpt_neox.final_layer_norm";
  w.lm_head = "embed_out";
  w.input_norm = "gpt_neox.layers.{L}.input_layernorm";
  w.qkv_proj = "gpt_neox.layers.{L}.attention.query_key_value";
  w.qkv_per_head = true;
  w.o_proj = "gpt_neox.layers.{L}.attention.dense";
  w.post_attention_norm = "gpt_neox.layers.{L}.post_attention_layernorm";
  w.up_proj = "gpt_neox.layers.{L}.mlp.dense_h_to_4h";
  w.down_proj = "gpt_neox.layers.{L}.mlp.dense_4h_to_h";
  return spec;
}

}  // namespace

Family GptNeox() { return Family{"gpt_neox", {"GPTNeoXForCausalLM"}, {"gpt_neox"}, BuildGptNeox}; }

}  // namespace basalt::model::families
