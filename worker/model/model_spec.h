#pragma once
// A torch-free description of a transformer, built from a Hugging Face config.json by a family file
// (worker/model/families/). The shared layers (worker/model/layers) read only this description, so a
// new family is a small mapping, not new model code.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace basalt::model {

enum class NormType { kRmsNorm, kLayerNorm };
enum class Activation { kSilu, kGelu, kGeluTanh, kRelu };

// How RoPE frequencies are rescaled (config.json "rope_scaling"/"rope_parameters").
enum class RopeScaling { kNone, kLinear, kDynamic, kLlama3, kYarn };

struct RopeSpec {
  int rotary_dim = 0;      // dimensions rotated per head (partial rotary when < head_dim)
  double theta = 10000.0;  // rope_theta
  bool interleaved = false;  // GPT-J style pairs (0,1),(2,3) instead of halves (0,d/2),...
  RopeScaling scaling = RopeScaling::kNone;
  double factor = 1.0;
  // llama3
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 0;
  // yarn
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  std::optional<double> attention_factor;  // mscale applied to cos/sin
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  bool truncate = true;
};

enum class PositionType {
  kRotary,        // RoPE applied to q and k
  kLearned,       // absolute position embedding table added to the token embeddings
  kAlibi,         // linear biases on attention scores (BLOOM)
  kRelativeBias,  // learned bias per (bucketed key - query distance, head) on attention scores (T5)
  kNone,
};

// T5's relative attention bias: one table [num_buckets, heads] in the first layer, shared by every layer
// of the stack; bidirectional buckets in the encoder, causal ones in the decoder.
struct RelativeBiasSpec {
  int num_buckets = 32;
  int max_distance = 128;
};

struct AttentionSpec {
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  bool qkv_bias = false;
  bool out_bias = false;
  bool qk_norm = false;  // RMSNorm over each head of q and k (Qwen3, Gemma-3)
  std::optional<int> sliding_window;  // tokens a query sees, itself included
  double scale = 0.0;                 // softmax scale; 0 means 1/sqrt(head_dim)
  double logit_softcap = 0.0;         // Gemma-2: cap * tanh(scores / cap)
  bool scale_by_inverse_layer_idx = false;  // GPT-2 option: layer i also divides scores by i + 1
};

struct MlpSpec {
  bool gated = true;  // act(gate(x)) * up(x), then down; otherwise down(act(up(x)))
  Activation activation = Activation::kSilu;
  bool bias = false;
  int intermediate_size = 0;
};

struct NormSpec {
  NormType type = NormType::kRmsNorm;
  double eps = 1e-6;
  bool bias = false;       // LayerNorm bias
  bool unit_offset = false;  // Gemma: weight is stored as (scale - 1)
  bool affine = true;      // false: no weight (OPT layer_norm_elementwise_affine = false)
};

// Where each canonical weight lives in the checkpoint: module paths, to which the loader appends
// ".weight" / ".bias". "{L}" stands for the layer index. Empty means the model has no such weight.
// Separate q/k/v (or gate/up) projections are fused at load time.
struct WeightNames {
  std::string embed_tokens;
  std::string position_embeddings;
  std::string embedding_norm;
  std::string project_in, project_out;  // OPT: embedding width <-> hidden width (no bias)
  std::string relative_attention_bias;  // T5: the first layer's bias table
  std::string lm_head;         // empty or missing with tie_word_embeddings: reuse embed_tokens
  bool lm_head_if_present = false;  // T5: the checkpoint's head even when tied, if it has one
  std::string lm_head_bias;    // a tensor name, used as is (BART "final_logits_bias")
  std::string final_norm;
  // per layer (prefix "{L}" substituted). The norms belong to their sublayer: before it (pre-norm) or
  // after its residual add (post_norm).
  std::string input_norm;              // the attention sublayer's norm
  std::string q_proj, k_proj, v_proj;  // separate projections
  std::string qkv_proj;                // or one fused projection
  std::string o_proj;
  std::string q_norm, k_norm;
  std::string cross_attention_norm;    // encoder-decoder models: the cross-attention sublayer
  std::string cross_q_proj, cross_k_proj, cross_v_proj, cross_o_proj;
  std::string post_attention_norm;     // the MLP sublayer's norm (or the one after attention for sandwich norms)
  std::string pre_feedforward_norm;    // Gemma-2 sandwich
  std::string post_feedforward_norm;
  std::string gate_proj, up_proj, down_proj;
  // Conv1D checkpoints (GPT-2) store [in, out] instead of Linear's [out, in].
  bool transposed_linear = false;
  // The fused qkv_proj's rows are [heads, 3, head_dim] (GPT-NeoX, BLOOM) instead of q, k, v blocks.
  bool qkv_per_head = false;
  // Names missing from the checkpoint are looked up again without this leading module path: checkpoints
  // saved from the base model (e.g. GPT-2's "h.0.attn..." for "transformer.h.0.attn...").
  std::string base_prefix;
};

struct ModelSpec {
  std::string family;        // our family name, e.g. "llama"
  std::string model_type;    // config.json model_type
  std::string architecture;  // config.json architectures[0]
  int hidden_size = 0;
  int num_layers = 0;
  int vocab_size = 0;
  int64_t max_position_embeddings = 0;

  NormSpec norm;
  AttentionSpec attention;
  MlpSpec mlp;
  PositionType position = PositionType::kRotary;
  RopeSpec rope;
  int64_t learned_position_offset = 0;  // OPT stores positions shifted by 2
  RelativeBiasSpec relative_bias;       // with PositionType::kRelativeBias

  bool parallel_residual = false;  // x + attn(norm(x)) + mlp(norm2(x)) (GPT-NeoX)
  bool sandwich_norm = false;      // Gemma-2: norms after attention and MLP as well
  bool post_norm = false;          // norm(x + sublayer(x)) (OPT without do_layer_norm_before, BART)
  bool residual_from_norm = false; // BLOOM apply_residual_connection_post_layernorm: residual = norm(x)
  bool tie_word_embeddings = false;
  int embedding_dim = 0;              // token embedding width when it differs from hidden_size (OPT)
  double embedding_multiplier = 1.0;  // Gemma: sqrt(hidden_size); BART with scale_embedding
  bool round_embedding_multiplier = false;  // Gemma: the multiplier rounded to the activations' dtype first
  bool embedding_norm = false;        // BLOOM: LayerNorm right after the embedding
  bool final_norm = true;
  double final_logit_softcap = 0.0;
  double lm_head_scale = 1.0;  // T5 with tied embeddings: d_model**-0.5 before the head
  bool lm_head_bias = false;   // BART: final_logits_bias

  // Encoder-decoder models: this spec is the decoder (its layers gain cross-attention over the encoder's
  // output) and `encoder` describes the encoder stack, which shares the token embedding.
  std::shared_ptr<const ModelSpec> encoder;
  bool cross_attention = false;
  bool is_encoder_decoder() const { return encoder != nullptr; }

  std::string torch_dtype;  // config's torch_dtype / dtype ("" when absent)
  WeightNames weights;
  // Decoder start when generation_config has neither decoder_start_token_id nor bos (T5: pad).
  std::optional<int32_t> default_decoder_start_token_id;

  // Qwen2/Mistral-style: only some layers use the sliding window (use_sliding_window, max_window_layers).
  std::vector<bool> layer_uses_sliding_window;
};

}  // namespace basalt::model
