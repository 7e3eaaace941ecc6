// GPT-2: learned absolute positions, pre-norm LayerNorm with bias, one fused c_attn projection, gelu_new
// MLP, tied head. Its Conv1D layers store weights as [in, out].
#include <cmath>

#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"

namespace basalt::model::families {
namespace {

absl::StatusOr<ModelSpec> BuildGpt2(const HfConfig& c) {
  ConfigReader r(c.text_config());
  ModelSpec spec;
  spec.hidden_size = static_cast<int>(r.Required({"n_embd", "hidden_size"}));
  spec.num_layers = static_cast<int>(r.Required({"n_layer", "num_hidden_layers"}));
  const int heads = static_cast<int>(r.Required({"n_head", "num_attention_heads"}));
  spec.vocab_size = static_cast<int>(r.Required({"vocab_size"}));
  spec.max_position_embeddings = r.Int({"n_positions", "max_position_embeddings"}, 1024);
  spec.norm = NormSpec{NormType::kLayerNorm, r.Double("layer_norm_epsilon", 1e-5), true, false};
  spec.attention.num_heads = spec.attention.num_kv_heads = heads;
  spec.attention.head_dim = spec.hidden_size / heads;
  spec.attention.qkv_bias = spec.attention.out_bias = true;
  // scale_attn_weights = false (raw dot products) and scale_attn_by_inverse_layer_idx act only in
  // transformers' eager attention; its default (sdpa) scales every layer by head_dim**-0.5.
  if (AttentionImplementation(r.config()) == "eager") {
    if (!r.Bool("scale_attn_weights", true)) spec.attention.scale = 1.0;
    spec.attention.scale_by_inverse_layer_idx = r.Bool("scale_attn_by_inverse_layer_idx", false);
  }
  spec.mlp.gated = false;
  spec.mlp.bias = true;
  spec.mlp.activation = r.Act({"activation_function"}, "gelu_new");
  spec.mlp.intermediate_size = static_cast<int>(r.Int({"n_inner"}, 4LL * spec.hidden_size));
  spec.position = PositionType::kLearned;
  if (!r.status().ok()) return r.status();
  if (spec.hidden_size % heads != 0) return absl::InvalidArgumentError("n_embd must be a multiple of n_head");
  if (auto s = ReadDtypeAndTying(r.config(), &spec, /*tie_default=*/true); !s.ok()) return s;

  WeightNames& w = spec.weights;
  w.base_prefix = "transformer.";
  w.embed_tokens = "transformer.wte";
  w.position_embeddings = "transformer.wpe";
  w.final_norm = "transformer.ln_f";
  w.lm_head = "lm_head";
  w.input_norm = "transformer.h.{L}.ln_1";
  w.qkv_proj = "transformer.h.{L}.attn.c_attn";
  w.o_proj = "transformer.h.{L}.attn.c_proj";
  w.post_attention_norm = "transformer.h.{L}.ln_2";
  w.up_proj = "transformer.h.{L}.mlp.c_fc";
  w.down_proj = "transformer.h.{L}.mlp.c_proj";
  w.transposed_linear = true;
  return spec;
}

}  // namespace

Family Gpt2() { return Family{"gpt2", {"GPT2LMHeadModel"}, {"gpt2"}, BuildGpt2}; }

}  // namespace basalt::model::families
