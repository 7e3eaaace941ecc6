#include "worker/model/layer_ops.h"

#include "worker/model/layers.h"

namespace basalt::model {

at::Tensor LayerOps::Linear(const at::Tensor& x, const LinearWeights& w) const { return ApplyLinear(x, w); }

at::Tensor LayerOps::Embed(const at::Tensor& table, at::Tensor& ids, const at::Tensor& source_rows,
                           const at::Tensor& previous) const {
  if (source_rows.defined()) FillPendingIds(ids, source_rows, previous);
  return at::embedding(table, ids);
}

at::Tensor LayerOps::Norm(const at::Tensor& x, const NormWeights& w, const NormSpec& spec) const {
  return ApplyNorm(x, w, spec);
}

at::Tensor LayerOps::GatedActivation(const at::Tensor& gate_up, Activation activation) const {
  auto parts = gate_up.chunk(2, -1);
  return ApplyActivation(parts[0], activation) * parts[1];
}

at::Tensor LayerOps::RotaryAndCacheWrite(at::Tensor& qkv, const AttentionParams& params, const RotaryEmbedding* rotary,
                                         const AttentionBatch& batch, at::Tensor& key_cache,
                                         at::Tensor& value_cache) const {
  const int64_t tokens = qkv.size(0);
  const int64_t q_size = static_cast<int64_t>(params.num_heads) * params.head_dim;
  const int64_t kv_size = static_cast<int64_t>(params.num_kv_heads) * params.head_dim;
  at::Tensor q = qkv.narrow(-1, 0, q_size).reshape({tokens, params.num_heads, params.head_dim});
  at::Tensor k = qkv.narrow(-1, q_size, kv_size).reshape({tokens, params.num_kv_heads, params.head_dim});
  at::Tensor v = qkv.narrow(-1, q_size + kv_size, kv_size).reshape({tokens, params.num_kv_heads, params.head_dim});
  if (rotary) rotary->Apply(q, k, batch.positions);
  key_cache.flatten(0, 1).index_copy_(0, batch.slot_mapping, k);
  value_cache.flatten(0, 1).index_copy_(0, batch.slot_mapping, v);
  return q;
}

at::Tensor LayerOps::NormLinear(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                                const LinearWeights& w) const {
  return Linear(Norm(x, norm, spec), w);
}

at::Tensor LayerOps::NormGatedLinear(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                                     const LinearWeights& gate_up, Activation activation) const {
  return GatedActivation(NormLinear(x, norm, spec, gate_up), activation);
}

at::Tensor LayerOps::LogitsHead(const at::Tensor& x, const NormWeights* norm, const NormSpec& spec,
                                const LinearWeights& w, at::Tensor* hidden) const {
  at::Tensor rows = norm != nullptr ? Norm(x, *norm, spec) : x;
  if (hidden != nullptr) *hidden = rows;
  return Linear(rows, w).to(at::kFloat);
}

void LayerOps::LinearAddInto(const at::Tensor& x, const LinearWeights& w, at::Tensor& residual) const {
  residual = residual + Linear(x, w);
}

at::Tensor LayerOps::NormQkvRotaryCacheWrite(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                                             const LinearWeights& qkv, const AttentionParams& params,
                                             const RotaryEmbedding* rotary, const AttentionBatch& batch,
                                             at::Tensor& key_cache, at::Tensor& value_cache) const {
  at::Tensor projected = NormLinear(x, norm, spec, qkv);
  return RotaryAndCacheWrite(projected, params, rotary, batch, key_cache, value_cache);
}

at::Tensor LayerOps::Attention(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                               const AttentionBatch& batch, const AttentionParams& params) const {
  return PagedAttentionReference(q, key_cache, value_cache, batch, params);
}

std::unique_ptr<LayerOps> MakeTorchLayerOps() { return std::make_unique<LayerOps>(); }

at::Tensor GreedyChoice(const at::Tensor& logits, const at::Tensor& ids) {
  if (at::Tensor fused = CudaGreedyChoice(logits, ids); fused.defined()) return fused;
  at::Tensor choice = logits.argmax(-1);
  if (ids.defined()) ids.copy_(choice);
  at::Tensor logprob = logits.gather(1, choice.unsqueeze(1)).squeeze(1) - at::logsumexp(logits, -1);
  return at::stack({choice.to(at::kFloat), logprob}, 1);
}

void FillPendingIds(at::Tensor& ids, const at::Tensor& source_rows, const at::Tensor& previous) {
  if (CudaFillPendingIds(ids, source_rows, previous)) return;
  at::Tensor pending = source_rows >= 0;
  ids.copy_(at::where(pending, previous.index_select(0, source_rows.clamp_min(0)), ids));
}

#if !defined(BASALT_WITH_CUDA)
std::unique_ptr<LayerOps> MakeCudaLayerOps() { return nullptr; }
SkinnyGemm SetCudaSkinnyGemm(SkinnyGemm) { return SkinnyGemm::kOff; }
void SetCudaDecodeAttention(int, int) {}
void SetCudaAttentionEarlyRelease(bool) {}
void SetCudaGemvEarlyOperands(bool) {}
int SetCudaSharedMemoryCarveout(int) { return -1; }
at::Tensor CudaGreedyChoice(const at::Tensor&, const at::Tensor&) { return at::Tensor(); }
bool CudaFillPendingIds(at::Tensor&, const at::Tensor&, const at::Tensor&) { return false; }
#endif

}  // namespace basalt::model
