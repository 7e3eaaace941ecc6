// BLOOM: ALiBi instead of positions, LayerNorm right after the embedding, pre-norm LayerNorm layers, one
// query_key_value projection laid out per head as [heads, 3, head_dim], tanh-GELU MLP of 4x width, tied
// head.
#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"

namespace basalt::model::families {
namespace {

absl::StatusOr<ModelSpec> BuildBloom(const HfConfig& c) {
  ConfigReader r(c.text_config());
  ModelSpec spec;
  spec.hidden_size = static_cast<int>(r.Required({"hidden_size", "n_embed"}));
  spec.num_layers = static_cast<int>(r.Required({"n_layer", "num_hidden_layers"}));
  const int heads = static_cast<int>(r.Required({"n_head", "num_attention_heads"}));
  spec.vocab_size = static_cast<int>(r.Required({"vocab_size"}));
  // ALiBi has no position table; the context length is the training length when the config gives one.
  spec.max_position_embeddings = r.Int({"seq_length", "max_position_embeddings"}, 2048);
  spec.norm = NormSpec{NormType::kLayerNorm, r.Double("layer_norm_epsilon", 1e-5), true, false};
  spec.attention.num_heads = spec.attention.num_kv_heads = heads;
  spec.attention.head_dim = spec.hidden_size / heads;
  spec.attention.qkv_bias = spec.attention.out_bias = true;
  spec.mlp.gated = false;
  spec.mlp.bias = true;
  spec.mlp.activation = Activation::kGeluTanh;
  spec.mlp.intermediate_size = 4 * spec.hidden_size;
  spec.position = PositionType::kAlibi;
  spec.embedding_norm = true;
  spec.residual_from_norm = r.Bool("apply_residual_connection_post_layernorm", false);
  if (!r.status().ok()) return r.status();
  if (spec.hidden_size % heads != 0) return absl::InvalidArgumentError("hidden_size must be a multiple of n_head");
  if (auto s = ReadDtypeAndTying(r.config(), &spec, /*tie_default=*/true); !s.ok()) return s;

  WeightNames& w = spec.weights;
  w.base_prefix = "transformer.";
  w.embed_tokens = "transformer.word_embeddings";
  w.embedding_norm = "transformer.word_embeddings_layernorm";
  w.final_norm = "transformer.ln_f";
  w.lm_head = "lm_head";
  w.input_norm = "transformer.h.{L}.input_layernorm";
  w.qkv_proj = "transformer.h.{L}.self_attention.query_key_value";
  w.qkv_per_head = true;
  w.o_proj = "transformer.h.{L}.self_attention.dense";
  w.post_attention_norm = "transformer.h.{L}.post_attention_layernorm";
  w.up_proj = "transformer.h.{L}.mlp.dense_h_to_4h";
  w.down_proj = "transformer.h.{L}.mlp.dense_4h_to_h";
  return spec;
}

}  // namespace

Family Bloom() { return Family{"bloom", {"BloomForCausalLM"}, {"bloom"}, BuildBloom}; }

}  // namespace basalt::model::families
