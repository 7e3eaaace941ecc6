// BART: an encoder and a decoder of post-norm LayerNorm layers (norm after each residual add), learned
// positions stored with an offset of 2 and a LayerNorm right after the embedding (layernorm_embedding),
// embeddings optionally scaled by sqrt(d_model), biases everywhere, GELU MLPs, the head tied to the
// shared embedding plus final_logits_bias.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "worker/model/families/config_reader.h"
#include "worker/model/families/families.h"

namespace basalt::model::families {
namespace {

WeightNames BartStackNames(const std::string& stack, bool decoder) {
  const std::string layer = absl::StrCat("model.", stack, ".layers.{L}.");
  WeightNames w;
  w.base_prefix = "model.";
  w.embed_tokens = "model.shared";
  w.position_embeddings = absl::StrCat("model.", stack, ".embed_positions");
  w.embedding_norm = absl::StrCat("model.", stack, ".layernorm_embedding");
  w.input_norm = layer + "self_attn_layer_norm";
  w.q_proj = layer + "self_attn.q_proj";
  w.k_proj = layer + "self_attn.k_proj";
  w.v_proj = layer + "self_attn.v_proj";
  w.o_proj = layer + "self_attn.out_proj";
  if (decoder) {
    w.cross_attention_norm = layer + "encoder_attn_layer_norm";
    w.cross_q_proj = layer + "encoder_attn.q_proj";
    w.cross_k_proj = layer + "encoder_attn.k_proj";
    w.cross_v_proj = layer + "encoder_attn.v_proj";
    w.cross_o_proj = layer + "encoder_attn.out_proj";
  }
  w.post_attention_norm = layer + "final_layer_norm";
  w.up_proj = layer + "fc1";
  w.down_proj = layer + "fc2";
  return w;
}

absl::StatusOr<ModelSpec> BuildBart(const HfConfig& c) {
  ConfigReader r(c.config());
  ModelSpec base;
  base.hidden_size = static_cast<int>(r.Required({"d_model"}));
  base.vocab_size = static_cast<int>(r.Required({"vocab_size"}));
  base.max_position_embeddings = r.Int({"max_position_embeddings"}, 1024);
  base.norm = NormSpec{NormType::kLayerNorm, 1e-5, true, false};
  base.post_norm = true;
  base.final_norm = false;
  base.attention.qkv_bias = base.attention.out_bias = true;
  base.mlp.gated = false;
  base.mlp.bias = true;
  base.mlp.activation = r.Act({"activation_function"}, "gelu");
  base.position = PositionType::kLearned;
  base.learned_position_offset = 2;
  base.embedding_norm = true;
  if (r.Bool("scale_embedding", false)) base.embedding_multiplier = std::sqrt(static_cast<double>(base.hidden_size));
  if (auto s = ReadDtypeAndTying(c.config(), &base, /*tie_default=*/true); !s.ok()) return s;

  auto stack = [&](ModelSpec* spec, const char* layers, const char* heads, const char* ffn) {
    spec->num_layers = static_cast<int>(r.Required({layers}));
    const int h = static_cast<int>(r.Required({heads}));
    spec->attention.num_heads = spec->attention.num_kv_heads = h;
    spec->attention.head_dim = spec->hidden_size / h;
    spec->mlp.intermediate_size = static_cast<int>(r.Required({ffn}));
  };
  auto encoder = std::make_shared<ModelSpec>(base);
  stack(encoder.get(), "encoder_layers", "encoder_attention_heads", "encoder_ffn_dim");
  encoder->weights = BartStackNames("encoder", false);

  ModelSpec decoder = base;
  stack(&decoder, "decoder_layers", "decoder_attention_heads", "decoder_ffn_dim");
  decoder.cross_attention = true;
  decoder.weights = BartStackNames("decoder", true);
  decoder.weights.lm_head = "lm_head";
  decoder.weights.lm_head_bias = "final_logits_bias";
  decoder.lm_head_bias = true;
  if (!r.status().ok()) return r.status();
  for (const ModelSpec* s : {static_cast<const ModelSpec*>(encoder.get()), static_cast<const ModelSpec*>(&decoder)}) {
    if (s->hidden_size % s->attention.num_heads != 0)
      return absl::InvalidArgumentError("d_model must be a multiple of the attention heads");
  }
  decoder.encoder = std::move(encoder);
  return decoder;
}

}  // namespace

Family Bart() { return Family{"bart", {"BartForConditionalGeneration"}, {"bart"}, BuildBart}; }

}  // namespace basalt::model::families
