// T5 (v1.0 and v1.1 / mT5 / Flan-T5): an encoder and a decoder stack of pre-norm layers with RMS-style
// T5LayerNorm (no mean, no bias), unscaled attention with a relative position bias from the first layer
// of each stack (bidirectional buckets in the encoder, causal in the decoder), ReLU or gated MLPs
// (feed_forward_proj), no biases. The head is lm_head when the checkpoint has one, else the shared
// embedding; the decoder output is scaled by d_model**-0.5 before it when scale_decoder_outputs says so
// (transformers 5) or, for older configs, when the embeddings are tied.
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"

namespace basalt::model::families {
namespace {

WeightNames T5StackNames(const std::string& stack, bool decoder, bool gated) {
  auto layer = [&](int sublayer, const std::string& rest) {
    return absl::StrCat(stack, ".block.{L}.layer.", sublayer, ".", rest);
  };
  const int ff = decoder ? 2 : 1;
  WeightNames w;
  w.embed_tokens = "shared";
  w.relative_attention_bias = stack + ".block.0.layer.0.SelfAttention.relative_attention_bias";
  w.final_norm = stack + ".final_layer_norm";
  w.input_norm = layer(0, "layer_norm");
  w.q_proj = layer(0, "SelfAttention.q");
  w.k_proj = layer(0, "SelfAttention.k");
  w.v_proj = layer(0, "SelfAttention.v");
  w.o_proj = layer(0, "SelfAttention.o");
  if (decoder) {
    w.cross_attention_norm = layer(1, "layer_norm");
    w.cross_q_proj = layer(1, "EncDecAttention.q");
    w.cross_k_proj = layer(1, "EncDecAttention.k");
    w.cross_v_proj = layer(1, "EncDecAttention.v");
    w.cross_o_proj = layer(1, "EncDecAttention.o");
  }
  w.post_attention_norm = layer(ff, "layer_norm");
  if (gated) {
    w.gate_proj = layer(ff, "DenseReluDense.wi_0");
    w.up_proj = layer(ff, "DenseReluDense.wi_1");
  } else {
    w.up_proj = layer(ff, "DenseReluDense.wi");
  }
  w.down_proj = layer(ff, "DenseReluDense.wo");
  return w;
}

absl::StatusOr<ModelSpec> BuildT5(const HfConfig& c) {
  ConfigReader r(c.config());
  ModelSpec base;
  base.hidden_size = static_cast<int>(r.Required({"d_model"}));
  base.vocab_size = static_cast<int>(r.Required({"vocab_size"}));
  const int heads = static_cast<int>(r.Required({"num_heads"}));
  base.attention.num_heads = base.attention.num_kv_heads = heads;
  base.attention.head_dim = static_cast<int>(r.Required({"d_kv"}));
  base.attention.scale = 1.0;  // T5 folds the scaling into its initialization
  base.norm = NormSpec{NormType::kRmsNorm, r.Double("layer_norm_epsilon", 1e-6), false, false};
  base.mlp.intermediate_size = static_cast<int>(r.Required({"d_ff"}));
  // "gated-gelu" is gelu_new for historical reasons; "gated-X" / "X" otherwise name the activation.
  const std::string proj = r.String("feed_forward_proj", "relu");
  base.mlp.gated = absl::StartsWith(proj, "gated-");
  auto activation = ParseActivation(proj == "gated-gelu" ? "gelu_new" : (base.mlp.gated ? proj.substr(6) : proj));
  if (!activation.ok()) return activation.status();
  base.mlp.activation = *activation;
  base.position = PositionType::kRelativeBias;
  base.relative_bias.num_buckets = static_cast<int>(r.Int({"relative_attention_num_buckets"}, 32));
  base.relative_bias.max_distance = static_cast<int>(r.Int({"relative_attention_max_distance"}, 128));
  // Relative positions have no hard limit; n_positions (older configs) is the trained length.
  base.max_position_embeddings = r.Int({"n_positions", "max_position_embeddings"}, 512);
  if (auto s = ReadDtypeAndTying(c.config(), &base, /*tie_default=*/true); !s.ok()) return s;

  auto encoder = std::make_shared<ModelSpec>(base);
  encoder->num_layers = static_cast<int>(r.Required({"num_layers"}));
  encoder->weights = T5StackNames("encoder", false, base.mlp.gated);

  ModelSpec decoder = base;
  decoder.num_layers = static_cast<int>(r.Int({"num_decoder_layers"}, encoder->num_layers));
  decoder.cross_attention = true;
  decoder.weights = T5StackNames("decoder", true, base.mlp.gated);
  decoder.weights.lm_head = "lm_head";
  decoder.weights.lm_head_if_present = true;
  decoder.tie_word_embeddings = true;
  if (r.Bool("scale_decoder_outputs", base.tie_word_embeddings))
    decoder.lm_head_scale = 1.0 / std::sqrt(static_cast<double>(base.hidden_size));
  decoder.default_decoder_start_token_id = static_cast<int32_t>(r.Int({"pad_token_id"}, 0));
  decoder.encoder = std::move(encoder);
  if (!r.status().ok()) return r.status();
  if (decoder.num_layers <= 0) return absl::InvalidArgumentError("'num_decoder_layers' must be positive");
  return decoder;
}

}  // namespace

Family T5() {
  return Family{"t5", {"T5ForConditionalGeneration", "MT5ForConditionalGeneration"}, {"t5", "mt5"}, BuildT5};
}

}  // namespace basalt::model::families
