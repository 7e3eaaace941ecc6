#include "worker/model/paged_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace basalt::model {
at::Tensor GatherContext(const at::Tensor& cache, const std::vector<int32_t>& blocks, int64_t length) {
  const int64_t block_size = cache.size(1);
  const int64_t needed = (length + block_size - 1) / block_size;
  at::Tensor ids = at::from_blob(const_cast<int32_t*>(blocks.data()), {needed}, at::kInt)
                       .to(cache.device(), at::kLong);
  return cache.index_select(0, ids).flatten(0, 1).narrow(0, 0, length);
}

void AddPrefillLayout(AttentionBatch& batch, int block_size, const at::Device& device) {
  const int num_seqs = batch.num_seqs();
  int first = 0;
  while (first < num_seqs && batch.query_start[first + 1] - batch.query_start[first] == 1) ++first;
  batch.prefill_first = first;
  if (first == num_seqs) return;
  // One int64 buffer: query offsets, key offsets, then the context slots.
  const int64_t count = num_seqs - first;
  std::vector<int64_t> packed(2 * (count + 1), 0);
  batch.prefill_max_q = batch.prefill_max_k = 0;
  for (int s = first; s < num_seqs; ++s) {
    const int64_t n = batch.query_start[s + 1] - batch.query_start[s], context = batch.context_lens[s];
    const int64_t i = s - first;
    packed[i + 1] = packed[i] + n;
    packed[count + 1 + i + 1] = packed[count + 1 + i] + context;
    batch.prefill_max_q = std::max(batch.prefill_max_q, n);
    batch.prefill_max_k = std::max(batch.prefill_max_k, context);
    const std::vector<int32_t>& table = batch.block_tables[s];
    for (int64_t p = 0; p < context; ++p) {
      packed.push_back(static_cast<int64_t>(table[p / block_size]) * block_size + p % block_size);
    }
  }
  at::Tensor device_packed =
      at::from_blob(packed.data(), {static_cast<int64_t>(packed.size())}, at::kLong).to(device, /*non_blocking=*/false, /*copy=*/true);
  batch.prefill_cu_q = device_packed.narrow(0, 0, count + 1).to(at::kInt);
  batch.prefill_cu_k = device_packed.narrow(0, count + 1, count + 1).to(at::kInt);
  batch.prefill_context_slots = device_packed.narrow(0, 2 * (count + 1), static_cast<int64_t>(packed.size()) - 2 * (count + 1));
}

namespace {

// All sequences of a decode step at once: gather every context slot into [B, L, kv_heads, dim], then
// masked attention of each sequence's one query over its first context_lens[b] tokens.
at::Tensor BatchedDecodeAttention(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                                  const AttentionBatch& batch, const AttentionParams& params) {
  const int64_t b = batch.num_seqs(), length = batch.context_slots.size(1);
  const int64_t heads = params.num_heads, kv_heads = params.num_kv_heads, dim = params.head_dim;
  const int64_t group = heads / kv_heads;
  const double scale = params.scale > 0 ? params.scale : 1.0 / std::sqrt(static_cast<double>(dim));
  at::Tensor slots = batch.context_slots.flatten();
  at::Tensor k = key_cache.flatten(0, 1).index_select(0, slots).view({b, length, kv_heads, dim}).to(at::kFloat);
  at::Tensor v = value_cache.flatten(0, 1).index_select(0, slots).view({b, length, kv_heads, dim}).to(at::kFloat);
  at::Tensor qs = q.to(at::kFloat).view({b, kv_heads, group, dim});                          // [B, KVH, G, D]
  at::Tensor scores = at::matmul(qs, k.permute({0, 2, 3, 1})) * scale;                     // [B, KVH, G, L]
  if (params.logit_softcap > 0) scores = at::tanh(scores / params.logit_softcap) * params.logit_softcap;
  at::Tensor lens = batch.context_lens_tensor.to(at::kLong).view({b, 1});
  at::Tensor key_pos = at::arange(length, at::TensorOptions().dtype(at::kLong).device(q.device())).view({1, length});
  at::Tensor distance = (lens - 1) - key_pos;  // [B, L]: query position minus key position
  if (params.alibi_slopes.defined()) {
    scores = scores - params.alibi_slopes.view({1, kv_heads, group, 1}) * distance.to(at::kFloat).view({b, 1, 1, length});
  }
  if (params.distance_bias.defined()) {
    const int64_t columns = params.distance_bias.size(1);
    at::Tensor bias = params.distance_bias.index_select(1, distance.clamp(0, columns - 1).flatten());  // [H, B*L]
    scores = scores + bias.view({heads, b, length}).transpose(0, 1).reshape({b, kv_heads, group, length});
  }
  at::Tensor masked = distance < 0;
  if (params.sliding_window) masked = masked.logical_or(distance >= *params.sliding_window);
  scores = scores.masked_fill(masked.view({b, 1, 1, length}), -std::numeric_limits<float>::infinity());
  at::Tensor out = at::matmul(at::softmax(scores, -1), v.permute({0, 2, 1, 3}));           // [B, KVH, G, D]
  return out.to(q.scalar_type()).reshape({b, heads * dim});
}

}  // namespace

at::Tensor PagedAttentionReference(const at::Tensor& q, const at::Tensor& key_cache,
                                   const at::Tensor& value_cache, const AttentionBatch& batch,
                                   const AttentionParams& params) {
  if (batch.decode_only && batch.context_slots.defined()) {
    return BatchedDecodeAttention(q, key_cache, value_cache, batch, params);
  }
  const int64_t heads = params.num_heads, kv_heads = params.num_kv_heads, dim = params.head_dim;
  const int64_t group = heads / kv_heads;
  const double scale = params.scale > 0 ? params.scale : 1.0 / std::sqrt(static_cast<double>(dim));
  std::vector<at::Tensor> outputs;
  outputs.reserve(batch.num_seqs());
  for (int s = 0; s < batch.num_seqs(); ++s) {
    const int64_t begin = batch.query_start[s], n = batch.query_start[s + 1] - begin;
    const int64_t context = batch.context_lens[s];
    at::Tensor qs = q.narrow(0, begin, n).transpose(0, 1);  // [heads, n, dim]
    at::Tensor k = GatherContext(key_cache, batch.block_tables[s], context);    // [L, kvh, dim]
    at::Tensor v = GatherContext(value_cache, batch.block_tables[s], context);
    // Grouped-query attention: each kv head serves `group` consecutive query heads.
    k = k.transpose(0, 1).repeat_interleave(group, 0);  // [heads, L, dim]
    v = v.transpose(0, 1).repeat_interleave(group, 0);
    at::Tensor scores = at::matmul(qs.to(at::kFloat), k.to(at::kFloat).transpose(1, 2)) * scale;  // [h, n, L]
    if (params.logit_softcap > 0) scores = at::tanh(scores / params.logit_softcap) * params.logit_softcap;
    // Query j of this chunk sits at position context - n + j and sees keys at positions <= its own
    // (and, with a sliding window, > its own - window).
    at::Tensor key_pos = at::arange(context, at::TensorOptions().dtype(at::kLong).device(q.device()));
    at::Tensor query_pos = key_pos.narrow(0, context - n, n).unsqueeze(1);  // [n, 1]
    at::Tensor distance = query_pos - key_pos.unsqueeze(0);                 // [n, L]
    if (params.alibi_slopes.defined()) {
      scores = scores - params.alibi_slopes.view({heads, 1, 1}) * distance.to(at::kFloat).unsqueeze(0);
    }
    if (params.distance_bias.defined()) {
      const int64_t columns = params.distance_bias.size(1);
      at::Tensor bias = params.distance_bias.index_select(1, distance.clamp(0, columns - 1).flatten());
      scores = scores + bias.view({heads, n, context});
    }
    at::Tensor masked = distance < 0;
    if (params.sliding_window) masked = masked.logical_or(distance >= *params.sliding_window);
    scores = scores.masked_fill(masked.unsqueeze(0), -std::numeric_limits<float>::infinity());
    at::Tensor probs = at::softmax(scores, -1);
    at::Tensor out = at::matmul(probs, v.to(at::kFloat)).to(q.scalar_type());  // [h, n, dim]
    outputs.push_back(out.transpose(0, 1).reshape({n, heads * dim}));
  }
  return at::cat(outputs, 0);
}

}  // namespace basalt::model
