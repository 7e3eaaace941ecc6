#include "worker/model/decoder_model.h"

#include <cmath>

#include "worker/model/layers.h"
#include "worker/model/relative_position.h"
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

double DefaultScale(const AttentionSpec& a) {
  return a.scale > 0 ? a.scale : 1.0 / std::sqrt(static_cast<double>(a.head_dim));
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecoderModel>> DecoderModel::Load(const ModelSpec& spec, const WeightFiles& files,
                                                                 at::ScalarType dtype, at::Device device,
                                                                 Quantization quantization) {
  auto weights = LoadModelWeights(spec, files, dtype, device, at::Tensor(), quantization);
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
  AttentionParams base{a.num_heads, a.num_kv_heads, a.head_dim, a.scale, std::nullopt, a.logit_softcap, {}, {}};
  if (spec_.position == PositionType::kAlibi) base.alibi_slopes = AlibiSlopes(a.num_heads).to(device);
  if (spec_.position == PositionType::kRelativeBias) {
    base.distance_bias = CausalRelativeBiasByDistance(weights_.relative_bias, spec_.relative_bias);
  }
  for (int layer = 0; layer < spec_.num_layers; ++layer) {
    AttentionParams params = base;
    if (!spec_.layer_uses_sliding_window.empty() && spec_.layer_uses_sliding_window[layer])
      params.sliding_window = a.sliding_window;
    if (a.scale_by_inverse_layer_idx) params.scale = DefaultScale(a) / (layer + 1);
    layer_params_.push_back(std::move(params));
  }
  if (device.is_cuda()) ops_ = MakeCudaLayerOps();
  cuda_kernels_ = ops_ != nullptr;
  if (!ops_) ops_ = MakeTorchLayerOps();
}

bool DecoderModel::SupportsCudaGraphs() const {
  if (!cuda_kernels_ || spec_.cross_attention) return false;
  for (const AttentionParams& params : layer_params_) {
    if (!ops_->DecodeAttentionIsCapturable(params)) return false;
  }
  return true;
}

at::Tensor DecoderModel::SelfAttention(int layer, const at::Tensor& x, const NormWeights* norm,
                                       const AttentionBatch& batch, KvCache& cache) const {
  const AttentionSpec& a = spec_.attention;
  const LayerWeights& w = weights_.layers[layer];
  const AttentionParams& params = layer_params_[layer];
  at::Tensor key_cache = cache.key(layer), value_cache = cache.value(layer);
  if (!a.qk_norm && norm != nullptr) {
    at::Tensor q = ops_->NormQkvRotaryCacheWrite(x, *norm, spec_.norm, w.qkv, params, rotary_.get(), batch, key_cache,
                                                 value_cache);
    return ops_->Attention(q, key_cache, value_cache, batch, params);
  }
  at::Tensor qkv = norm != nullptr ? ops_->NormLinear(x, *norm, spec_.norm, w.qkv) : ops_->Linear(x, w.qkv);
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
  at::Tensor q = ops_->RotaryAndCacheWrite(qkv, params, rotary_.get(), batch, key_cache, value_cache);
  return ops_->Attention(q, key_cache, value_cache, batch, params);
}

at::Tensor DecoderModel::AttentionBlock(int layer, const at::Tensor& x, const AttentionBatch& batch,
                                        KvCache& cache) const {
  return ops_->Linear(SelfAttention(layer, x, nullptr, batch, cache), weights_.layers[layer].o);
}

at::Tensor DecoderModel::CrossAttentionBlock(int layer, const at::Tensor& x, const AttentionBatch& batch) const {
  const AttentionSpec& a = spec_.attention;
  const LayerWeights& w = weights_.layers[layer];
  at::Tensor q = ops_->Linear(x, w.cross_q).view({x.size(0), a.num_heads, a.head_dim});
  return ops_->Linear(CrossAttention(q, batch, layer, DefaultScale(a)), w.cross_o);
}

std::shared_ptr<const EncoderState> DecoderModel::MakeEncoderState(const at::Tensor& encoder_hidden) const {
  const AttentionSpec& a = spec_.attention;
  auto state = std::make_shared<EncoderState>();
  state->length = encoder_hidden.size(0);
  for (int layer = 0; layer < spec_.num_layers; ++layer) {
    auto kv = ops_->Linear(encoder_hidden, weights_.layers[layer].cross_kv).chunk(2, -1);
    state->keys.push_back(kv[0].reshape({state->length, a.num_heads, a.head_dim}).contiguous());
    state->values.push_back(kv[1].reshape({state->length, a.num_heads, a.head_dim}).contiguous());
  }
  return state;
}

at::Tensor DecoderModel::MlpHidden(int layer, const at::Tensor& x, const NormWeights* norm) const {
  const LinearWeights& gate_up = weights_.layers[layer].gate_up;
  const Activation act = spec_.mlp.activation;
  if (spec_.mlp.gated) {
    return norm != nullptr ? ops_->NormGatedLinear(x, *norm, spec_.norm, gate_up, act)
                           : ops_->GatedActivation(ops_->Linear(x, gate_up), act);
  }
  return ApplyActivation(norm != nullptr ? ops_->NormLinear(x, *norm, spec_.norm, gate_up) : ops_->Linear(x, gate_up),
                         act);
}

at::Tensor DecoderModel::Mlp(int layer, const at::Tensor& x) const {
  return ops_->Linear(MlpHidden(layer, x, nullptr), weights_.layers[layer].down);
}

at::Tensor DecoderModel::ForwardPreNorm(at::Tensor x, const AttentionBatch& batch, KvCache& cache,
                                        const at::Tensor& logits_indices) const {
  at::Tensor residual = x;
  for (int layer = 0; layer < spec_.num_layers; ++layer) {
    const LayerWeights& w = weights_.layers[layer];
    ops_->LinearAddInto(SelfAttention(layer, residual, &w.input_norm, batch, cache), w.o, residual);
    ops_->LinearAddInto(MlpHidden(layer, residual, &w.post_attention_norm), w.down, residual);
  }
  // A decode step's rows are its logits rows, in order (the CUDA graphs' case): no gather kernel. The
  // final norm is left to Forward, which fuses it into the LM head where it can.
  const bool every_row = batch.decode_only && logits_indices.size(0) == residual.size(0);
  return every_row ? residual : residual.index_select(0, logits_indices);
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
      continue;
    }
    const bool sandwich = spec_.sandwich_norm;
    x = ApplySublayer(spec_, x, w.input_norm, sandwich ? &w.post_attention_norm : nullptr,
                      [&](const at::Tensor& h) { return AttentionBlock(layer, h, batch, cache); });
    if (spec_.cross_attention) {
      x = ApplySublayer(spec_, x, w.cross_norm, nullptr,
                        [&](const at::Tensor& h) { return CrossAttentionBlock(layer, h, batch); });
    }
    x = ApplySublayer(spec_, x, sandwich ? w.pre_feedforward_norm : w.post_attention_norm,
                      sandwich ? &w.post_feedforward_norm : nullptr, [&](const at::Tensor& h) { return Mlp(layer, h); });
  }
  at::Tensor selected = x.index_select(0, logits_indices);
  return spec_.final_norm ? ApplyNorm(selected, weights_.final_norm, spec_.norm) : selected;
}

DecoderModel::Output DecoderModel::Forward(const at::Tensor& input_ids, const AttentionBatch& batch,
                                           KvCache& cache, const at::Tensor& logits_indices) const {
  // LayerOps' lookup also fills in the pending ids (asynchronous decoding), into the caller's tensor.
  at::Tensor ids = input_ids;
  at::Tensor x = FinishEmbedding(
      spec_, weights_, ops_->Embed(weights_.embed_tokens, ids, batch.pending_source_rows, batch.pending_previous),
      batch.positions);
  const bool generic = spec_.parallel_residual || spec_.sandwich_norm || spec_.post_norm || spec_.cross_attention ||
                       spec_.residual_from_norm;
  at::Tensor hidden = generic ? ForwardGeneric(x, batch, cache, logits_indices)
                              : ForwardPreNorm(x, batch, cache, logits_indices);
  const NormWeights* final_norm = !generic && spec_.final_norm ? &weights_.final_norm : nullptr;  // still to apply
  at::Tensor logits;
  if (!weights_.project_out.weight.defined() && spec_.lm_head_scale == 1.0) {
    logits = ops_->LogitsHead(hidden, final_norm, spec_.norm, weights_.lm_head, &hidden);
  } else {
    if (final_norm != nullptr) hidden = ops_->Norm(hidden, *final_norm, spec_.norm);
    if (weights_.project_out.weight.defined()) hidden = ops_->Linear(hidden, weights_.project_out);
    at::Tensor head_input = spec_.lm_head_scale != 1.0 ? hidden * spec_.lm_head_scale : hidden;
    logits = ops_->LogitsHead(head_input, nullptr, spec_.norm, weights_.lm_head, nullptr);
  }
  if (spec_.final_logit_softcap > 0) {
    logits = at::tanh(logits / spec_.final_logit_softcap) * spec_.final_logit_softcap;
  }
  return Output{logits, hidden};
}

}  // namespace basalt::model
