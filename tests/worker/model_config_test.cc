// config.json -> ModelSpec for the fixture models and hand-written configs.
#include <gtest/gtest.h>

#include <cmath>

#include "worker/model/family_registry.h"
#include "worker/model/hf_config.h"

namespace basalt::model {
namespace {

ModelSpec SpecOf(const std::string& fixture) {
  auto config = HfConfig::FromDirectory(std::string(BASALT_FIXTURES_DIR) + "/models/" + fixture);
  EXPECT_TRUE(config.ok()) << config.status();
  auto spec = BuildModelSpec(**config);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : ModelSpec{};
}

absl::StatusOr<ModelSpec> SpecFromJson(const std::string& json) {
  auto config = HfConfig::FromJson(json, "");
  if (!config.ok()) return config.status();
  return BuildModelSpec(**config);
}

TEST(ModelConfigTest, Llama) {
  ModelSpec spec = SpecOf("llama");
  EXPECT_EQ(spec.family, "llama");
  EXPECT_EQ(spec.architecture, "LlamaForCausalLM");
  EXPECT_EQ(spec.hidden_size, 64);
  EXPECT_EQ(spec.num_layers, 2);
  EXPECT_EQ(spec.attention.num_heads, 4);
  EXPECT_EQ(spec.attention.num_kv_heads, 2);
  EXPECT_EQ(spec.attention.head_dim, 16);
  EXPECT_FALSE(spec.tie_word_embeddings);
  EXPECT_EQ(spec.rope.scaling, RopeScaling::kNone);
  EXPECT_DOUBLE_EQ(spec.rope.theta, 10000.0);
  EXPECT_DOUBLE_EQ(spec.norm.eps, 1e-5);
  EXPECT_FALSE(spec.attention.qkv_bias);
}

TEST(ModelConfigTest, LlamaWithLlama3RopeBiasesAndExplicitHeadDim) {
  ModelSpec spec = SpecOf("llama-llama3rope-tied-bias");
  EXPECT_EQ(spec.rope.scaling, RopeScaling::kLlama3);
  EXPECT_DOUBLE_EQ(spec.rope.factor, 8.0);
  EXPECT_EQ(spec.rope.original_max_position_embeddings, 64);
  EXPECT_DOUBLE_EQ(spec.rope.theta, 50000.0);
  EXPECT_EQ(spec.attention.head_dim, 32);
  EXPECT_EQ(spec.attention.num_kv_heads, 1);
  EXPECT_TRUE(spec.attention.qkv_bias);
  EXPECT_TRUE(spec.attention.out_bias);
  EXPECT_TRUE(spec.mlp.bias);
  EXPECT_TRUE(spec.tie_word_embeddings);
}

TEST(ModelConfigTest, MistralSlidingWindowOnEveryLayer) {
  ModelSpec spec = SpecOf("mistral");
  ASSERT_TRUE(spec.attention.sliding_window.has_value());
  EXPECT_EQ(*spec.attention.sliding_window, 16);
  ASSERT_EQ(spec.layer_uses_sliding_window.size(), 2u);
  EXPECT_TRUE(spec.layer_uses_sliding_window[0]);
  EXPECT_TRUE(spec.layer_uses_sliding_window[1]);
}

TEST(ModelConfigTest, Qwen2BiasesAndNoWindowByDefault) {
  ModelSpec spec = SpecOf("qwen2");
  EXPECT_TRUE(spec.attention.qkv_bias);
  EXPECT_FALSE(spec.attention.out_bias);
  EXPECT_TRUE(spec.tie_word_embeddings);
  for (bool sliding : spec.layer_uses_sliding_window) EXPECT_FALSE(sliding);
}

TEST(ModelConfigTest, Qwen3QkNorm) {
  ModelSpec spec = SpecOf("qwen3");
  EXPECT_TRUE(spec.attention.qk_norm);
  EXPECT_EQ(spec.attention.head_dim, 32);
  EXPECT_FALSE(spec.weights.q_norm.empty());
}

TEST(ModelConfigTest, TransformersFourStyleRopeScaling) {
  auto spec = SpecFromJson(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100,
      "rope_theta": 500000.0, "torch_dtype": "bfloat16",
      "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 256}})");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->rope.scaling, RopeScaling::kYarn);
  EXPECT_DOUBLE_EQ(spec->rope.theta, 500000.0);
  EXPECT_EQ(spec->rope.original_max_position_embeddings, 256);
  EXPECT_EQ(spec->torch_dtype, "bfloat16");
  EXPECT_EQ(spec->attention.num_kv_heads, 4);  // defaults to num_attention_heads
}

TEST(ModelConfigTest, UnknownArchitectureNamesItAndTheSupportedOnes) {
  auto spec = SpecFromJson(R"({"architectures": ["FancyNetForCausalLM"], "model_type": "fancy"})");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(spec.status().message().find("FancyNetForCausalLM"), std::string::npos);
  EXPECT_NE(spec.status().message().find("LlamaForCausalLM"), std::string::npos);
}

TEST(ModelConfigTest, BadValuesAreErrorsNotDefaults) {
  auto missing = SpecFromJson(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("num_hidden_layers"), std::string::npos);
  auto wrong_type = SpecFromJson(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": "64",
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.status().message().find("hidden_size"), std::string::npos);
  auto bad_gqa = SpecFromJson(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3,
      "vocab_size": 100})");
  EXPECT_FALSE(bad_gqa.ok());
  EXPECT_FALSE(HfConfig::FromJson("{not json", "").ok());
}

TEST(ModelConfigTest, EosIdsMergeConfigAndGenerationConfig) {
  auto config = HfConfig::FromJson(R"({"architectures": ["LlamaForCausalLM"], "eos_token_id": 2, "bos_token_id": 1})",
                                   R"({"eos_token_id": [2, 7], "bos_token_id": 1, "pad_token_id": 0})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->generation().eos_token_ids, (std::vector<int32_t>{2, 7}));
  EXPECT_EQ((*config)->generation().bos_token_id, 1);
  EXPECT_EQ((*config)->generation().pad_token_id, 0);
}

TEST(ModelConfigTest, Gpt2FromTheFixtureAndOlderKeys) {
  ModelSpec spec = SpecOf("gpt2");
  EXPECT_EQ(spec.family, "gpt2");
  EXPECT_EQ(spec.hidden_size, 64);
  EXPECT_EQ(spec.attention.num_heads, 4);
  EXPECT_EQ(spec.mlp.intermediate_size, 256);  // n_inner null: 4 * n_embd
  EXPECT_EQ(spec.mlp.activation, Activation::kGeluTanh);
  EXPECT_EQ(spec.position, PositionType::kLearned);
  EXPECT_EQ(spec.norm.type, NormType::kLayerNorm);
  EXPECT_TRUE(spec.tie_word_embeddings);
  EXPECT_TRUE(spec.weights.transposed_linear);
  EXPECT_EQ(spec.weights.base_prefix, "transformer.");
  const std::string custom_json = R"({"architectures": ["GPT2LMHeadModel"], "n_embd": 32, "n_layer": 3,
      "n_head": 2, "vocab_size": 50, "n_inner": 40, "n_positions": 64, "scale_attn_weights": false,
      "scale_attn_by_inverse_layer_idx": true, "activation_function": "relu")";
  auto custom = SpecFromJson(custom_json + "}");
  ASSERT_TRUE(custom.ok()) << custom.status();
  EXPECT_EQ(custom->mlp.intermediate_size, 40);
  EXPECT_EQ(custom->max_position_embeddings, 64);
  EXPECT_EQ(custom->mlp.activation, Activation::kRelu);
  // transformers' default attention (sdpa) ignores both scaling options; its eager attention applies them.
  EXPECT_DOUBLE_EQ(custom->attention.scale, 0.0);
  EXPECT_FALSE(custom->attention.scale_by_inverse_layer_idx);
  auto eager = SpecFromJson(custom_json + R"(, "_attn_implementation": "eager"})");
  ASSERT_TRUE(eager.ok()) << eager.status();
  EXPECT_DOUBLE_EQ(eager->attention.scale, 1.0);
  EXPECT_TRUE(eager->attention.scale_by_inverse_layer_idx);
}

TEST(ModelConfigTest, GptNeoxPartialRotaryInBothConfigStyles) {
  ModelSpec spec = SpecOf("gpt-neox");  // transformers 5: rope_parameters.partial_rotary_factor 0.25
  EXPECT_EQ(spec.attention.head_dim, 16);
  EXPECT_EQ(spec.rope.rotary_dim, 4);
  EXPECT_TRUE(spec.parallel_residual);
  EXPECT_TRUE(spec.weights.qkv_per_head);
  EXPECT_FALSE(spec.tie_word_embeddings);
  EXPECT_FALSE(SpecOf("gpt-neox-sequential").parallel_residual);
  EXPECT_EQ(SpecOf("gpt-neox-sequential").rope.rotary_dim, 8);
  // transformers 4 (Pythia): rotary_pct and rotary_emb_base.
  auto pythia = SpecFromJson(R"({"architectures": ["GPTNeoXForCausalLM"], "hidden_size": 128,
      "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 100,
      "rotary_pct": 0.5, "rotary_emb_base": 20000, "use_parallel_residual": false})");
  ASSERT_TRUE(pythia.ok()) << pythia.status();
  EXPECT_EQ(pythia->rope.rotary_dim, 16);
  EXPECT_DOUBLE_EQ(pythia->rope.theta, 20000.0);
  EXPECT_FALSE(pythia->parallel_residual);
}

TEST(ModelConfigTest, BloomAlibiAndEmbeddingNorm) {
  ModelSpec spec = SpecOf("bloom");
  EXPECT_EQ(spec.position, PositionType::kAlibi);
  EXPECT_TRUE(spec.embedding_norm);
  EXPECT_EQ(spec.mlp.intermediate_size, 256);
  EXPECT_TRUE(spec.weights.qkv_per_head);
  auto old = SpecFromJson(R"({"architectures": ["BloomForCausalLM"], "n_embed": 32, "n_layer": 2, "n_head": 4,
      "vocab_size": 100, "apply_residual_connection_post_layernorm": true})");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->hidden_size, 32);
  EXPECT_TRUE(old->residual_from_norm);
}

TEST(ModelConfigTest, OptPreNormAndProjectedPostNorm) {
  ModelSpec opt = SpecOf("opt");
  EXPECT_FALSE(opt.post_norm);
  EXPECT_TRUE(opt.final_norm);
  EXPECT_EQ(opt.embedding_dim, 64);
  EXPECT_EQ(opt.learned_position_offset, 2);
  ModelSpec projected = SpecOf("opt-projected");
  EXPECT_TRUE(projected.post_norm);
  EXPECT_FALSE(projected.final_norm);  // only with do_layer_norm_before
  EXPECT_EQ(projected.embedding_dim, 32);
  auto removed = SpecFromJson(R"({"architectures": ["OPTForCausalLM"], "hidden_size": 32, "num_hidden_layers": 2,
      "num_attention_heads": 4, "ffn_dim": 64, "vocab_size": 100, "_remove_final_layer_norm": true,
      "enable_bias": false, "layer_norm_elementwise_affine": false})");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_FALSE(removed->final_norm);
  EXPECT_FALSE(removed->attention.qkv_bias);
  EXPECT_FALSE(removed->norm.affine);
}

TEST(ModelConfigTest, GemmaAndGemma2) {
  ModelSpec gemma = SpecOf("gemma");
  EXPECT_TRUE(gemma.norm.unit_offset);
  EXPECT_DOUBLE_EQ(gemma.embedding_multiplier, 8.0);
  EXPECT_TRUE(gemma.round_embedding_multiplier);
  EXPECT_EQ(gemma.mlp.activation, Activation::kGeluTanh);
  EXPECT_TRUE(gemma.tie_word_embeddings);
  ModelSpec gemma2 = SpecOf("gemma2");
  EXPECT_TRUE(gemma2.sandwich_norm);
  EXPECT_DOUBLE_EQ(gemma2.attention.scale, 0.25);  // query_pre_attn_scalar 16
  EXPECT_DOUBLE_EQ(gemma2.final_logit_softcap, 30.0);
  EXPECT_DOUBLE_EQ(gemma2.attention.logit_softcap, 0.0);  // transformers' default attention does not cap
  EXPECT_EQ(gemma2.layer_uses_sliding_window, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(gemma2.attention.sliding_window, 16);
  // Without layer_types the even layers slide; an eager config caps attention scores.
  auto old = SpecFromJson(R"({"architectures": ["Gemma2ForCausalLM"], "hidden_size": 32, "intermediate_size": 64,
      "num_hidden_layers": 4, "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 16,
      "vocab_size": 100, "sliding_window": 8, "attn_logit_softcapping": 50.0, "_attn_implementation": "eager"})");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->layer_uses_sliding_window, (std::vector<bool>{true, false, true, false}));
  EXPECT_DOUBLE_EQ(old->attention.logit_softcap, 50.0);
}

TEST(ModelConfigTest, T5VersionsAndHeadScaling) {
  ModelSpec t5 = SpecOf("t5");
  ASSERT_TRUE(t5.is_encoder_decoder());
  EXPECT_TRUE(t5.cross_attention);
  EXPECT_EQ(t5.encoder->num_layers, 2);
  EXPECT_EQ(t5.num_layers, 2);
  EXPECT_EQ(t5.position, PositionType::kRelativeBias);
  EXPECT_EQ(t5.relative_bias.max_distance, 64);
  EXPECT_DOUBLE_EQ(t5.attention.scale, 1.0);
  EXPECT_FALSE(t5.mlp.gated);
  EXPECT_DOUBLE_EQ(t5.lm_head_scale, 0.125);  // scale_decoder_outputs: d_model**-0.5
  ModelSpec v11 = SpecOf("t5-v1_1");
  EXPECT_TRUE(v11.mlp.gated);
  EXPECT_EQ(v11.mlp.activation, Activation::kGeluTanh);
  EXPECT_DOUBLE_EQ(v11.lm_head_scale, 1.0);  // scale_decoder_outputs false
  // transformers 4 configs have no scale_decoder_outputs: the scaling follows tie_word_embeddings.
  auto flan = SpecFromJson(R"({"architectures": ["T5ForConditionalGeneration"], "d_model": 32, "d_kv": 8,
      "d_ff": 64, "num_layers": 3, "num_decoder_layers": 2, "num_heads": 4, "vocab_size": 100,
      "feed_forward_proj": "gated-silu", "tie_word_embeddings": false})");
  ASSERT_TRUE(flan.ok()) << flan.status();
  EXPECT_DOUBLE_EQ(flan->lm_head_scale, 1.0);
  EXPECT_EQ(flan->encoder->num_layers, 3);
  EXPECT_EQ(flan->num_layers, 2);
  EXPECT_EQ(flan->mlp.activation, Activation::kSilu);
  EXPECT_EQ(flan->default_decoder_start_token_id, 0);
  auto legacy = SpecFromJson(R"({"architectures": ["T5ForConditionalGeneration"], "d_model": 64, "d_kv": 8,
      "d_ff": 64, "num_layers": 1, "num_heads": 8, "vocab_size": 100})");
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_DOUBLE_EQ(legacy->lm_head_scale, 0.125);  // tied by default
}

TEST(ModelConfigTest, BartEncoderAndDecoderDims) {
  ModelSpec bart = SpecOf("bart");
  ASSERT_TRUE(bart.is_encoder_decoder());
  EXPECT_TRUE(bart.post_norm);
  EXPECT_TRUE(bart.embedding_norm);
  EXPECT_EQ(bart.learned_position_offset, 2);
  EXPECT_TRUE(bart.lm_head_bias);
  EXPECT_DOUBLE_EQ(bart.embedding_multiplier, 1.0);
  auto custom = SpecFromJson(R"({"architectures": ["BartForConditionalGeneration"], "d_model": 32,
      "encoder_layers": 3, "decoder_layers": 1, "encoder_attention_heads": 4, "decoder_attention_heads": 2,
      "encoder_ffn_dim": 48, "decoder_ffn_dim": 40, "vocab_size": 100, "scale_embedding": true})");
  ASSERT_TRUE(custom.ok()) << custom.status();
  EXPECT_EQ(custom->encoder->num_layers, 3);
  EXPECT_EQ(custom->encoder->attention.num_heads, 4);
  EXPECT_EQ(custom->encoder->mlp.intermediate_size, 48);
  EXPECT_EQ(custom->num_layers, 1);
  EXPECT_EQ(custom->attention.head_dim, 16);
  EXPECT_EQ(custom->mlp.intermediate_size, 40);
  EXPECT_NEAR(custom->embedding_multiplier, std::sqrt(32.0), 1e-12);
}

TEST(ModelConfigTest, DecoderStartAndForcedTokensFromGenerationConfig) {
  auto config = HfConfig::FromDirectory(std::string(BASALT_FIXTURES_DIR) + "/models/bart");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ((*config)->generation().decoder_start_token_id, 1);
  EXPECT_EQ((*config)->generation().forced_eos_token_id, 1);
  EXPECT_FALSE((*config)->generation().forced_bos_token_id.has_value());
}

}  // namespace
}  // namespace basalt::model
