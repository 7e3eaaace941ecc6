// config.json -> ModelSpec for the fixture models and hand-written configs.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace basalt::model
