#include "worker/model/decoder_model.h"

#include <cmath>

#include "worker/model/layers.h"
#include "worker/model/torch_status.h"

namespace basalt::model {
namespace {

// ALiBi slopes as in BLOOM/MPT: a geometric series per head, extended for non-powers of two.
at::Tensor AlibiSlopes(int heads) {
  int closest = 1 << static_cast<int>(std::floor(std::log2(heads)));
  double base = std::pow(2.0, -std::pow(2.0, -(std::log2(closest) - 3)));
  std::vector<float> slopes;
  for (int i = 1; i <= closest; ++i) slopes.push_back(static_cast<float>(std::pow(base, i)));
  if (closest != heads) {
    double extra_base = std::pow(2.0, -std::pow(2.0, -(std::log2(2 * closest) - 3)));
    for (int i = 1; i <= 2 * (heads - closest); i += 2) slopes.push_back(static_cast<float>(std::pow(extra_base, i)));
  }
  return at::tensor(slopes, at::kFloat);
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecoderModel>> DecoderModel::Load(const ModelSpec& spec, const WeightFiles& files,
                                                                 at::ScalarType dtype, at::Device device) {
  auto weights = LoadModelWeights(spec, files, dtype, device);
  if (!weights.ok()) return weights.status();
  return GuardTorch([&]() -> absl::StatusOr<std::unique_ptr<DecoderModel>> {
    return std::unique_ptr<DecoderModel>(new DecoderModel(spec, std::move(*weights), dtype, device));
  });
}

DecoderModel::DecoderModel(ModelSpec spec, ModelWeights weights, at::ScalarType dtype, at::Device device)
    : spec_(std::move(spec)), weights_(std::move(weights)), dtype_(dtype), device_(device) {
  const AttentionSpec& a = spec_.attention;
  if (spec_.position == PositionType::kRotary) {
    rotary_ = std::make_unique<RotaryEmbedding>(spec_.rope, a.head_dim, spec_.max_position_embeddings, device);
  }
  full_params_ = AttentionParams{a.num_heads, a.num_kv_heads, a.head_dim, a.scale, std::nullopt, a.logit_softcap, {}};
  if (spec_.position == PositionType::kAlibi) full_params_.alibi_slopes = AlibiSlopes(a.num_heads).to(device);
  window_params_ = full_params_;
  window_params_.sliding_window = a.sliding_window;
  if (device.is_cuda()) ops_ = MakeCudaLayerOps();
  cuda_kernels_ = ops_ != nullptr;
  if (!ops_) ops_ = MakeTorchLayerOps();
}

at::Tensor DecoderModel::Embed(const at::Tensor& input_ids, const AttentionBatch& batch) const {
  at::Tensor x = at::embedding(weights_.embed_tokens, input_ids);
  if (spec_.embedding_multiplier != 1.0) {
    // Gemma multiplies by sqrt(hidden) rounded to the activations' dtype.
    x = x * at::scalar_tensor(spec_.embedding_multiplier, x.options());
  }
  if (spec_.position == PositionType::kLearned) {
    x = x + at::embedding(weights_.position_embeddings, batch.positions + spec_.learned_position_offset);
  }
  if (spec_.embedding_norm) x = ApplyNorm(x, weights_.embedding_norm, spec_.norm);
  return x;
}

at::Tensor DecoderModel::AttentionBlock(int layer, const at::Tensor& x, const AttentionBatch& batch,
                                        KvCache& cache) const {
  const AttentionSpec& a = spec_.attention;
  const LayerWeights& w = weights_.layers[layer];
  at::Tensor qkv = ops_->Linear(x, w.qkv);
  if (a.qk_norm) {
    // Qwen3: RMSNorm over each head of q and k, before the rotation.
    const int64_t tokens = x.size(0);
    const int64_t q_size = static_cast<int64_t>(a.num_heads) * a.head_dim;
    const int64_t kv_size = static_cast<int64_t>(a.num_kv_heads) * a.head_dim;
    at::Tensor q = ops_->Norm(qkv.narrow(-1, 0, q_size).reshape({tokens, a.num_heads, a.head_dim}), w.q_norm, spec_.norm);
    at::Tensor k = ops_->Norm(qkv.narrow(-1, q_size, kv_size).reshape({tokens, a.num_kv_heads, a.head_dim}), w.k_norm,
                              spec_.norm);
    qkv = at::cat({q.reshape({tokens, q_size}), k.reshape({tokens, kv_size}), qkv.narrow(-1, q_size + kv_size, kv_size)},
                  -1);
  }
  const bool sliding = !spec_.layer_uses_sliding_window.empty() && spec_.layer_uses_sliding_window[layer];
  const AttentionParams& params = sliding ? window_params_ : full_params_;
  at::Tensor key_cache = cache.key(layer), value_cache = cache.value(layer);
  at::Tensor q = ops_->RotaryAndCacheWrite(qkv, params, rotary_.get(), batch, key_cache, value_cache);
  return ops_->Linear(ops_->Attention(q, key_cache, value_cache, batch, params), w.o);
}

at::Tensor DecoderModel::Mlp(int layer, const at::Tensor& x) const {
  const LayerWeights& w = weights_.layers[layer];
  at::Tensor h = ops_->Linear(x, w.gate_up);
  h = spec_.mlp.gated ? ops_->GatedActivation(h, spec_.mlp.activation) : ApplyActivation(h, spec_.mlp.activation);
  return ops_->Linear(h, w.down);
}

at::Tensor DecoderModel::ForwardPreNorm(at::Tensor x, const AttentionBatch& batch, KvCache& cache,
                                        const at::Tensor& logits_indices) const {
  at::Tensor residual = x;
  at::Tensor h = ops_->Norm(residual, weights_.layers[0].input_norm, spec_.norm);
  for (int layer = 0; layer < spec_.num_layers; ++layer) {
    const LayerWeights& w = weights_.layers[layer];
    h = ops_->AddNorm(AttentionBlock(layer, h, batch, cache), residual, w.post_attention_norm, spec_.norm);
    at::Tensor mlp = Mlp(layer, h);
    if (layer + 1 < spec_.num_layers) {
      h = ops_->AddNorm(mlp, residual, weights_.layers[layer + 1].input_norm, spec_.norm);
    } else {
      residual = residual + mlp;
    }
  }
  at::Tensor selected = residual.index_select(0, logits_indices);
  return spec_.final_norm ? ops_->Norm(selected, weights_.final_norm, spec_.norm) : selected;
}

at::Tensor DecoderModel::ForwardGeneric(at::Tensor x, const AttentionBatch& batch, KvCache& cache,
                                        const at::Tensor& logits_indices) const {
  for (int layer = 0; layer < spec_.num_layers; ++layer) {
    const LayerWeights& w = weights_.layers[layer];
    if (spec_.parallel_residual) {
      at::Tensor attn = AttentionBlock(layer, ApplyNorm(x, w.input_norm, spec_.norm), batch, cache);
      const NormWeights& mlp_norm = w.post_attention_norm.defined() ? w.post_attention_norm : w.input_norm;
      at::Tensor mlp = Mlp(layer, ApplyNorm(x, mlp_norm, spec_.norm));
      x = x + attn + mlp;
    } else {  // sandwich norms
      at::Tensor attn = AttentionBlock(layer, ApplyNorm(x, w.input_norm, spec_.norm), batch, cache);
      x = x + ApplyNorm(attn, w.post_attention_norm, spec_.norm);
      at::Tensor mlp = Mlp(layer, ApplyNorm(x, w.pre_feedforward_norm, spec_.norm));
      x = x + ApplyNorm(mlp, w.post_feedforward_norm, spec_.norm);
    }
  }
  at::Tensor selected = x.index_select(0, logits_indices);
  return spec_.final_norm ? ApplyNorm(selected, weights_.final_norm, spec_.norm) : selected;
}

DecoderModel::Output DecoderModel::Forward(const at::Tensor& input_ids, const AttentionBatch& batch,
                                           KvCache& cache, const at::Tensor& logits_indices) const {
  at::Tensor x = Embed(input_ids, batch);
  at::Tensor hidden = spec_.parallel_residual || spec_.sandwich_norm ? ForwardGeneric(x, batch, cache, logits_indices)
                                                                     : ForwardPreNorm(x, batch, cache, logits_indices);
  at::Tensor logits = ops_->Linear(hidden, LinearWeights{weights_.lm_head, {}}).to(at::kFloat);
  if (spec_.final_logit_softcap > 0) {
    logits = at::tanh(logits / spec_.final_logit_softcap) * spec_.final_logit_softcap;
  }
  return Output{logits, hidden};
}

}  // namespace basalt::model
