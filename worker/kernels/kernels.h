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
  int num_seqs, num_heads, num_kv_heads, head_dim, block_size, max_blocks_per_seq;
  int partition_size;      // tokens per split
  int num_splits;          // fixed by the caller (CUDA graphs need a fixed grid); splits past a
                           // sequence's context exit at once
  float scale;
  float logit_softcap;     // 0 = off
  int sliding_window;      // 0 = off; else tokens a query sees, itself included
  DataType dtype;
};
cudaError_t DecodeAttention(const DecodeAttentionArgs& args, cudaStream_t stream);
// Head dimensions DecodeAttention has instances for.
bool DecodeAttentionSupportsHeadDim(int head_dim);

// out = RMSNorm(in) * weight (weight + 1 with unit_offset), rows of `hidden` elements.
cudaError_t RmsNorm(void* out, const void* in, const void* weight, int64_t rows, int hidden, int64_t in_stride,
                    float eps, bool unit_offset, DataType dtype, cudaStream_t stream);

// residual += x; x = RMSNorm(residual) * weight. In place, rows contiguous.
cudaError_t AddRmsNorm(void* x, void* residual, const void* weight, int64_t rows, int hidden, float eps,
                       bool unit_offset, DataType dtype, cudaStream_t stream);

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

// out[t, i] = act(x[t, i]) * x[t, inter + i] for x [tokens, 2 * inter].
enum class GatedActivation { kSilu, kGeluTanh, kGelu };
cudaError_t GatedAct(void* out, const void* x, int64_t tokens, int inter, GatedActivation act, DataType dtype,
                     cudaStream_t stream);

// y[m, n] = x[m, k] w[n, k]^T (+ bias[n]) for decode-sized m (1..4); rows contiguous. False from
// GemvSupports: use a GEMM.
bool GemvSupports(int m, int k, DataType dtype);
cudaError_t Gemv(void* y, const void* x, const void* w, const void* bias, int m, int n, int k, DataType dtype,
                 cudaStream_t stream);

// The same with int8 weights and one float32 scale per row (--quantization int8): y[m, n] = scale[n] *
// (x[m, k] w[n, k]^T) + bias[n], accumulated in float; x, y and bias in dtype. Needs k % 16 == 0 and
// 16-byte aligned x and w (InvalidValue otherwise). False from GemvInt8Supports: DequantizeInt8, then a GEMM.
bool GemvInt8Supports(int m, int k, DataType dtype);
cudaError_t GemvInt8(void* y, const void* x, const int8_t* w, const float* scale, const void* bias, int m, int n,
                     int k, DataType dtype, cudaStream_t stream);

// out[r, c] = q[r, c] * scale[r] in dtype, for r < rows, c < cols (rows contiguous).
cudaError_t DequantizeInt8(void* out, const int8_t* q, const float* scale, int64_t rows, int64_t cols, DataType dtype,
                           cudaStream_t stream);

}  // namespace basalt::kernels
