// OPT: learned positions stored with an offset of 2, LayerNorm before (do_layer_norm_before) or after
// (post-norm, e.g. OPT-350m) each sublayer, an optional project_in/project_out when the embedding is
// narrower than the model (word_embed_proj_dim), ReLU MLP, biases, tied head.
#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"

namespace basalt::model::families {
namespace {

absl::StatusOr<ModelSpec> BuildOpt(const HfConfig& c) {
  ConfigReader r(c.text_config());
  ModelSpec spec;
  spec.hidden_size = static_cast<int>(r.Required({"hidden_size"}));
  spec.num_layers = static_cast<int>(r.Required({"num_hidden_layers"}));
  const int heads = static_cast<int>(r.Required({"num_attention_heads"}));
  spec.vocab_size = static_cast<int>(r.Required({"vocab_size"}));
  spec.max_position_embeddings = r.Int({"max_position_embeddings"}, 2048);
  spec.embedding_dim = static_cast<int>(r.Int({"word_embed_proj_dim"}, spec.hidden_size));
  const bool pre_norm = r.Bool("do_layer_norm_before", true);
  spec.post_norm = !pre_norm;
  spec.final_norm = pre_norm && !r.Bool("_remove_final_layer_norm", false);
  const bool bias = r.Bool("enable_bias", true);
  spec.norm = NormSpec{NormType::kLayerNorm, 1e-5, true, false};
  spec.norm.affine = r.Bool("layer_norm_elementwise_affine", true);
  spec.attention.num_heads = spec.attention.num_kv_heads = heads;
  spec.attention.head_dim = spec.hidden_size / heads;
  spec.attention.qkv_bias = spec.attention.out_bias = bias;
  spec.mlp.gated = false;
  spec.mlp.bias = bias;
  spec.mlp.activation = r.Act({"activation_function"}, "relu");
  spec.mlp.intermediate_size = static_cast<int>(r.Required({"ffn_dim"}));
  spec.position = PositionType::kLearned;
  spec.learned_position_offset = 2;
  if (!r.status().ok()) return r.status();
  if (spec.hidden_size % heads != 0)
    return absl::InvalidArgumentError("hidden_size must be a multiple of num_attention_heads");
  if (auto s = ReadDtypeAndTying(r.config(), &spec, /*tie_default=*/true); !s.ok()) return s;

  WeightNames& w = spec.weights;
  w.base_prefix = "model.";
  w.embed_tokens = "model.decoder.embed_tokens";
  w.position_embeddings = "model.decoder.embed_positions";
  w.project_in = "model.decoder.project_in";
  w.project_out = "model.decoder.project_out";
  w.final_norm = "model.decoder.final_layer_norm";
  w.lm_head = "lm_head";
  w.input_norm = "model.decoder.layers.{L}.self_attn_layer_norm";
  w.q_proj = "model.decoder.layers.{L}.self_attn.q_proj";
  w.k_proj = "model.decoder.layers.{L}.self_attn.k_proj";
  w.v_proj = "model.decoder.layers.{L}.self_attn.v_proj";
  w.o_proj = "model.decoder.layers.{L}.self_attn.out_proj";
  w.post_attention_norm = "model.decoder.layers.{L}.final_layer_norm";
  w.up_proj = "model.decoder.layers.{L}.fc1";
  w.down_proj = "model.decoder.layers.{L}.fc2";
  return spec;
}

}  // namespace

Family Opt() { return Family{"opt", {"OPTForCausalLM"}, {"opt"}, BuildOpt}; }

}  // namespace basalt::model::families
