#pragma once
// Attention over the paged KV cache for a flattened batch: the new tokens of every scheduled sequence
// are concatenated ([T, ...]); each sequence attends causally to its cached context plus its new tokens.
#include <ATen/ATen.h>

#include <optional>
#include <vector>

#include "worker/model/kv_cache.h"
#include "worker/model/model_spec.h"

namespace basalt::model {

struct EncoderState;  // cross_attention.h

// Where each sequence's new tokens sit in the flattened batch and what context they see.
struct AttentionBatch {
  // Host copies, used to slice per sequence.
  std::vector<int64_t> query_start;   // B + 1 offsets into the T new tokens
  std::vector<int64_t> context_lens;  // B: tokens of the sequence in the cache after this step
  std::vector<std::vector<int32_t>> block_tables;  // B: block ids covering context_lens
  // Device tensors.
  at::Tensor positions;     // [T] int64: position of each new token in its sequence
  at::Tensor slot_mapping;  // [T] int64: cache slot each new token's k/v is written to
  at::Tensor block_table_tensor;  // [B, max_blocks] int32, padded with 0
  at::Tensor context_lens_tensor;  // [B] int32
  int64_t max_context_len = 0;
  bool decode_only = false;  // every sequence has exactly one new token
  // Decode steps on the portable path: the cache slot of every context token, [B, max_context_len]
  // int64 padded with 0, so attention runs as one batched product instead of a loop over sequences.
  at::Tensor context_slots;
  // Encoder-decoder models: each sequence's encoder output (its cross-attention keys and values).
  std::vector<const EncoderState*> encoder_states;
  // The prompt chunks of a step, sequences [prefill_first, B) (decode sequences come first), in
  // FlashAttention's variable-length layout (AddPrefillLayout; undefined when not built).
  int prefill_first = 0;
  at::Tensor prefill_cu_q, prefill_cu_k;  // [B - prefill_first + 1] int32 offsets of queries and keys
  at::Tensor prefill_context_slots;       // [sum of their contexts] int64: cache slot of each context token
  int64_t prefill_max_q = 0, prefill_max_k = 0;
  // Asynchronous decoding: where pending_source_rows[i] >= 0 (int64 [T]), new token i is the previous
  // step's choice pending_previous[pending_source_rows[i]], still on the device; the model fills it into
  // its input ids as it embeds them. Undefined: the input ids are complete.
  at::Tensor pending_source_rows, pending_previous;
  int num_seqs() const { return static_cast<int>(context_lens.size()); }
};

// Fills the prefill_* fields for the sequences after the leading one-token (decode) ones, from the host
// fields, with one host-to-device copy. Nothing when every sequence decodes.
void AddPrefillLayout(AttentionBatch& batch, int block_size, const at::Device& device);

// What an attention layer needs besides q and the cache.
struct AttentionParams {
  int num_heads = 0;
  int num_kv_heads = 0;
  int head_dim = 0;
  double scale = 0.0;
  std::optional<int> sliding_window;  // tokens a query sees, itself included
  double logit_softcap = 0.0;
  at::Tensor alibi_slopes;  // [num_heads] float32, or undefined
  // [num_heads, N] float32, or undefined: added to the score of a key d = query - key positions back
  // (column min(d, N - 1)); T5's causal relative bias.
  at::Tensor distance_bias;
};

// A sequence's first `length` cached tokens: [length, kv_heads, head_dim] (a gathered copy).
at::Tensor GatherContext(const at::Tensor& cache, const std::vector<int32_t>& blocks, int64_t length);

// Computes attention for q [T, heads, head_dim]; returns [T, heads * head_dim]. The layer's new k/v must
// already be in the cache. This is the portable reference path (CPU, and any device without a kernel);
// decode steps with batch.context_slots go through one batched product.
at::Tensor PagedAttentionReference(const at::Tensor& q, const at::Tensor& key_cache,
                                   const at::Tensor& value_cache, const AttentionBatch& batch,
                                   const AttentionParams& params);

}  // namespace basalt::model
