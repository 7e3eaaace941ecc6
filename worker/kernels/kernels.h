#pragma once
// CUDA kernels of the GPU engine. Plain pointers and sizes, no torch types: the .cu files build with nvcc
// alone, and worker/model/cuda_ops.cc adapts at::Tensor arguments. Every launcher returns the launch's
// cudaError_t so callers can check it.
#include <cuda_runtime.h>

#include <cstdint>

namespace basalt::kernels {

enum class DataType { kFloat32, kBFloat16, kFloat16 };

// Decode attention over the paged KV cache (flash-decoding): one query token per sequence.
struct DecodeAttentionArgs {
  const void* q;           // [num_seqs, num_heads, head_dim] with row stride q_seq_stride (elements)
  int64_t q_seq_stride;
  const void* key_cache;   // [num_blocks, block_size, num_kv_heads, head_dim]
  const void* value_cache;
  const int32_t* block_tables;  // [num_seqs, max_blocks_per_seq]
  const int32_t* context_lens;  // [num_seqs]
  void* out;               // [num_seqs, num_heads, head_dim] contiguous
  float* partial_out;      // [num_seqs, num_heads, num_splits, head_dim] (used when num_splits > 1)
  float* partial_max;      // [num_seqs, num_heads, num_splits]
  float* partial_sum;      // [num_seqs, num_heads, num_splits]
  int* split_counters;     // [num_seqs, num_kv_heads], zero before the launch and left zero after it:
                           // the last split block of a (sequence, kv head) to finish merges the splits
  int num_seqs, num_heads, num_kv_heads, head_dim, block_size, max_blocks_per_seq;
  int partition_size;      // tokens per split
  int num_splits;          // fixed by the caller (CUDA graphs need a fixed grid); splits past a
                           // sequence's context exit at once
  float scale;
  float logit_softcap;     // 0 = off
  int sliding_window;      // 0 = off; else tokens a query sees, itself included
  DataType dtype;
  // > 1 (tensor-core kernel only, see DecodeAttentionClusterSupported): the blocks of a (sequence, kv
  // head) are one thread-block cluster of this many blocks that take the context's 16-token tiles in
  // turn and merge through distributed shared memory: no partial results in global memory, no counter,
  // no last-block merge. partition_size, num_splits and the partial buffers are then unused.
  int cluster_size = 0;
  // When the next kernel (the o projection's GEMV) may be scheduled: at the start (true), or only once
  // every block has read its K and V (false). Launched at the start, the GEMV's blocks issue all their
  // weight loads while this kernel's dependent chain of K, softmax and V loads queues behind them.
  bool release_next_early = false;
};
// Whether this GPU and build can run DecodeAttentionArgs::cluster_size > 1 (compute capability 9.0).
bool DecodeAttentionClusterSupported();
cudaError_t DecodeAttention(const DecodeAttentionArgs& args, cudaStream_t stream);
// Head dimensions DecodeAttention has instances for.
bool DecodeAttentionSupportsHeadDim(int head_dim);

// out = RMSNorm(in) * weight (weight + 1 with unit_offset), rows of `hidden` elements.
cudaError_t RmsNorm(void* out, const void* in, const void* weight, int64_t rows, int hidden, int64_t in_stride,
                    float eps, bool unit_offset, DataType dtype, cudaStream_t stream);

// out[t, i] = act(x[t, i]) * x[t, inter + i] for x [tokens, 2 * inter].
enum class GatedActivation { kSilu, kGeluTanh, kGelu };
cudaError_t GatedAct(void* out, const void* x, int64_t tokens, int inter, GatedActivation act, DataType dtype,
                     cudaStream_t stream);

// Rotary embedding of q and k inside a fused qkv buffer [tokens, row_stride] (q heads, then k heads, then
// v heads), in place, then writes k and v to the cache at slot_mapping (slot < 0: skip).
struct RotaryKvArgs {
  void* qkv;
  int64_t row_stride;
  const int64_t* positions;     // [tokens]
  const float* inv_freq;        // [rotary_dim / 2]; rotary_dim 0 (no rotary: cache write only) takes nullptr
  float attention_scaling;
  const int64_t* slot_mapping;  // [tokens]
  void* key_cache;              // [num_blocks * block_size, num_kv_heads, head_dim]
  void* value_cache;
  int64_t tokens;
  int num_heads, num_kv_heads, head_dim, rotary_dim;
  bool interleaved;
  DataType dtype;
};
cudaError_t RotaryAndCacheWrite(const RotaryKvArgs& args, cudaStream_t stream);

// Skinny products for decode-sized batches, with the small operations around a projection fused in:
// y = epilogue(prologue(x)[m, k] w[n, k]^T (* scale[n]) (+ bias[n])). m <= 4 (8 for int8 weights) runs
// the CUDA-core GEMV (gemv.cu), 5..64 the tensor-core skinny GEMM (skinny_mma.cu).
enum class GemvEpilogue {
  kStore,        // y [m, n] = result
  kAddInto,      // y [m, n] += result, in place (the residual stream), rounded like `y + Linear(x)`
  kGatedAct,     // rows [0, n/2) are the gate, [n/2, n) the up projection: y [m, n/2] = act(gate) * up
  kRotaryCache,  // w is the fused qkv projection: y [m, n] = qkv with q and k rotated, then k and v are
                 // written to the cache at slot_mapping (RotaryKvArgs; rotary_dim is head_dim or 0,
                 // not interleaved; qkv and row_stride are ignored)
};
struct GemvArgs {
  void* y = nullptr;
  const void* x = nullptr;          // [m, k] contiguous, 16-byte aligned
  const void* w = nullptr;          // [n, k] contiguous, 16-byte aligned: dtype, or int8 with `scale`
  const float* scale = nullptr;     // [n]: int8 weights only
  const void* bias = nullptr;       // [n] or nullptr
  int m = 0, n = 0, k = 0;
  DataType dtype = DataType::kBFloat16;
  bool int8_weights = false;
  // Prologue (the GEMV's, m <= 4 or int8 m <= 8): when set, x is the residual stream and the product takes
  // RMSNorm(x) * norm_weight (* (1 + norm_weight) with norm_unit_offset), rounded like the RmsNorm kernel.
  const void* norm_weight = nullptr;
  float norm_eps = 0.f;
  bool norm_unit_offset = false;
  // With the prologue (m <= 4 only): the first block also writes RMSNorm(x) [m, k] in the dtype here,
  // as the RmsNorm kernel would (the LM head's normalized hidden state, without a separate norm kernel).
  void* normed_out = nullptr;
  GemvEpilogue epilogue = GemvEpilogue::kStore;
  // kStore only: y is float [m, n], each value rounded to the dtype first, as
  // `Linear(x).to(float)` computes it (the LM head's logits, without a conversion kernel).
  bool float_output = false;
  // The GEMV loads its epilogue's other operands (the residual, rotary angles, cache slots) right after
  // its dependency wait or before it, instead of after its reduction. False: the baseline for measuring it
  // (BASALT_GEMV_EARLY_OPERANDS=0).
  bool early_epilogue_operands = true;
  GatedActivation act = GatedActivation::kSilu;  // kGatedAct
  RotaryKvArgs rotary = {};                      // kRotaryCache
};
// Whether Gemv takes these arguments (m up to 4, or 8 with int8 weights, or up to 64 with 16-bit
// weights and activations and no prologue through the tensor-core form; k a multiple of the 16-byte
// vector; the epilogue's shape rules). False: use the unfused operations.
bool GemvSupports(const GemvArgs& args);
// Which products the tensor-core form takes (skinny_mma.h): none, the shapes where it measured faster
// than cuBLAS (the default), or every shape it supports (tests, benchmarks). BASALT_SKINNY_MMA=0 / 1 start
// with kOff / kAll. Returns the previous mode.
enum class SkinnyMmaMode { kOff, kMeasured, kAll };
SkinnyMmaMode SetSkinnyMmaMode(SkinnyMmaMode mode);
cudaError_t Gemv(const GemvArgs& args, cudaStream_t stream);

// Per row of float logits [rows, vocab]: out[r] = {first index of the maximum (as a float), its
// log-softmax}, as the sampler's greedy path reports them; `ids` (optional) gets the index as int64.
cudaError_t GreedyChoice(const float* logits, int64_t rows, int vocab, float* out, int64_t* ids, cudaStream_t stream);
// out[r] = table[id] (rows of row_bytes, a multiple of 16, 16-byte aligned), id = previous[source_rows[r]]
// where source_rows (optional) is >= 0, written back to ids[r], else ids[r]; ids outside [0, vocab) give
// zero rows.
cudaError_t EmbedRows(void* out, const void* table, int64_t* ids, const int64_t* source_rows, const int64_t* previous,
                      int rows, int64_t vocab, int64_t row_bytes, cudaStream_t stream);
// ids[i] = previous[source_rows[i]] where source_rows[i] >= 0 (a token the previous step chose on the
// device), for i < n; other ids stay.
cudaError_t FillPendingIds(int64_t* ids, const int64_t* source_rows, const int64_t* previous, int n,
                           cudaStream_t stream);

// The L1 / shared-memory split of every kernel launched here, in percent of the largest shared memory
// (-1: the driver's choice per kernel; launch.cuh). Default 14 (BASALT_SMEM_CARVEOUT overrides it).
// Returns the previous setting.
int SetSharedMemoryCarveout(int percent);

// out[r, c] = q[r, c] * scale[r] in dtype, for r < rows, c < cols (rows contiguous).
cudaError_t DequantizeInt8(void* out, const int8_t* q, const float* scale, int64_t rows, int64_t cols, DataType dtype,
                           cudaStream_t stream);

}  // namespace basalt::kernels
