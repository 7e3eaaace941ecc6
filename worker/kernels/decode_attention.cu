// Flash-decoding over the paged KV cache. Grid (splits, kv heads, sequences): each block takes one
// partition of one sequence's context for one kv head and all the query heads that share it (GQA), so
// every K/V row is read once per group, not once per query head. With one split the block normalizes and
// writes the output; with several, each block writes its partial result and the last block of a
// (sequence, kv head) to finish merges them (decode_attention_splits.cuh). This is the portable form (any
// dtype, group size and head dimension); 16-bit caches with head_dim 64 or 128 and groups up to 16 take
// the tensor-core kernel of decode_attention_mma.cu instead.
#include <cfloat>

#include "worker/kernels/decode_attention_mma.h"
#include "worker/kernels/decode_attention_splits.cuh"
#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

constexpr int kThreads = 128;

template <typename T>
__device__ __forceinline__ void LoadRow(const T* __restrict__ src, float* dst, int n) {
  // 16-byte vector loads; head_dim is a multiple of 8 for every supported model.
  constexpr int kVec = 16 / sizeof(T);
  for (int i = 0; i < n; i += kVec) {
    uint4 raw = *reinterpret_cast<const uint4*>(src + i);
    const T* v = reinterpret_cast<const T*>(&raw);
#pragma unroll
    for (int j = 0; j < kVec; ++j) dst[i + j] = ToFloat(v[j]);
  }
}

// Token lanes per 16-byte chunk of a row in the P.V loop: a power of two (lanes meet in xor shuffles)
// that fits kThreads / chunks threads and stays inside a warp.
__host__ __device__ constexpr int LanesPerChunk(int chunks) {
  int lanes = 1;
  while (lanes < 32 && 2 * lanes * chunks <= kThreads) lanes *= 2;
  return lanes;
}

template <typename T, int D>
__global__ void __launch_bounds__(kThreads) DecodeSplitKernel(DecodeAttentionArgs a) {
  AllowNextKernel();
  WaitForPreviousKernel();
  const int seq = blockIdx.z, kv_head = blockIdx.y, split = blockIdx.x;
  const int group = a.num_heads / a.num_kv_heads;
  const int P = a.partition_size;
  const int context = a.context_lens[seq];
  int start = split * P;
  const int end = min(start + P, context);
  if (a.sliding_window > 0) start = max(start, context - a.sliding_window);
  const bool single = a.num_splits == 1;

  extern __shared__ float smem[];
  float* q_s = smem;                  // [group][D], pre-scaled
  float* scores = q_s + group * D;    // [group][P]
  int* rows = reinterpret_cast<int*>(scores + group * P);  // [P] cache row of each token
  float* stat_max = reinterpret_cast<float*>(rows + P);     // [group]
  float* stat_sum = stat_max + group;                       // [group]

  // Nothing of this sequence falls in this split (the split count is fixed by the longest possible
  // context, for graph replay): the merge reads only the splits that hold context.
  if (start >= end) return;
  const int n = end - start;
  const T* q = static_cast<const T*>(a.q) + seq * a.q_seq_stride;
  for (int i = threadIdx.x; i < group * D; i += kThreads) {
    q_s[i] = ToFloat(q[(kv_head * group) * D + i]) * a.scale;
  }
  const int* table = a.block_tables + static_cast<int64_t>(seq) * a.max_blocks_per_seq;
  for (int t = threadIdx.x; t < n; t += kThreads) {
    const int pos = start + t;
    rows[t] = table[pos / a.block_size] * a.block_size + pos % a.block_size;
  }
  __syncthreads();

  // Q.K: one thread per (token, part of the group): short partitions (batch <= 2 takes 64 tokens) give
  // two threads per token, each scoring half of the group's heads (the K row comes from L1 the second time).
  const T* keys = static_cast<const T*>(a.key_cache);
  const int ways = (n <= kThreads / 2 && group % 2 == 0) ? 2 : 1;
  const int heads_per_way = group / ways;
  for (int i = threadIdx.x; i < n * ways; i += kThreads) {
    const int t = i / ways, g0 = (i % ways) * heads_per_way;
    float k[D];
    LoadRow(keys + (static_cast<int64_t>(rows[t]) * a.num_kv_heads + kv_head) * D, k, D);
    for (int g = g0; g < g0 + heads_per_way; ++g) {
      float s = 0.f;
#pragma unroll
      for (int d = 0; d < D; ++d) s += q_s[g * D + d] * k[d];
      if (a.logit_softcap > 0.f) s = a.logit_softcap * tanhf(s / a.logit_softcap);
      scores[g * P + t] = s;
    }
  }
  __syncthreads();

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  for (int g = warp; g < group; g += kThreads / 32) {
    float m = -FLT_MAX;
    for (int t = lane; t < n; t += 32) m = fmaxf(m, scores[g * P + t]);
    m = WarpMax(m);
    float sum = 0.f;
    for (int t = lane; t < n; t += 32) {
      const float e = __expf(scores[g * P + t] - m);
      scores[g * P + t] = e;
      sum += e;
    }
    sum = WarpSum(sum);
    if (lane == 0) {
      stat_max[g] = m;
      stat_sum[g] = sum;
    }
  }
  __syncthreads();

  // P.V: thread (16-byte chunk c of a V row, token lane l) reads V[t][c] for t = l, l + kLanes, ... once
  // and accumulates it for up to kG heads of the group in registers; the kLanes lanes of a chunk are
  // adjacent in a warp and meet in shuffles. Every iteration has ~kThreads distinct loads in flight (the
  // first read of V comes from DRAM), with no shared-memory reduction and no barrier. Measured against
  // the earlier forms (H100, TinyLlama shape): one head at a time with a block-wide reduction cost two
  // barriers per head; one thread per (head, chunk) cut the loads in flight 8x and made the batch-30
  // step 2.6 -> 3.3 ms.
  constexpr int kVec = 16 / sizeof(T);
  constexpr int C = D / kVec;
  constexpr int kLanes = LanesPerChunk(C);
  constexpr int kG = 8;
  const int chunk = threadIdx.x / kLanes, token_lane = threadIdx.x % kLanes;
  const bool active = chunk < C;
  const T* column = static_cast<const T*>(a.value_cache) + static_cast<int64_t>(kv_head) * D + (active ? chunk : 0) * kVec;
  for (int g0 = 0; g0 < group; g0 += kG) {  // the same trip count in every thread
    const int heads = min(kG, group - g0);
    float acc[kG][kVec];
#pragma unroll
    for (int g = 0; g < kG; ++g)
#pragma unroll
      for (int j = 0; j < kVec; ++j) acc[g][j] = 0.f;
    if (active) {
      for (int t = token_lane; t < n; t += kLanes) {
        const uint4 raw = *reinterpret_cast<const uint4*>(column + static_cast<int64_t>(rows[t]) * a.num_kv_heads * D);
        float v[kVec];
        const T* vt = reinterpret_cast<const T*>(&raw);
#pragma unroll
        for (int j = 0; j < kVec; ++j) v[j] = ToFloat(vt[j]);
#pragma unroll
        for (int g = 0; g < kG; ++g) {
          if (g < heads) {
            const float pt = scores[(g0 + g) * P + t];
#pragma unroll
            for (int j = 0; j < kVec; ++j) acc[g][j] = fmaf(pt, v[j], acc[g][j]);
          }
        }
      }
    }
#pragma unroll
    for (int g = 0; g < kG; ++g) {
      if (g >= heads) break;
      for (int offset = 1; offset < kLanes; offset <<= 1) {
#pragma unroll
        for (int j = 0; j < kVec; ++j) acc[g][j] += __shfl_xor_sync(0xffffffff, acc[g][j], offset);
      }
    }
    if (!active || token_lane != 0) continue;
#pragma unroll
    for (int g = 0; g < kG; ++g) {
      if (g >= heads) break;
      const int h = kv_head * group + g0 + g;
      if (single) {
        T* out = static_cast<T*>(a.out) + (static_cast<int64_t>(seq) * a.num_heads + h) * D + chunk * kVec;
        const float inv = 1.f / stat_sum[g0 + g];
#pragma unroll
        for (int j = 0; j < kVec; ++j) out[j] = FromFloat<T>(acc[g][j] * inv);
      } else {
        const int64_t idx = (static_cast<int64_t>(seq) * a.num_heads + h) * a.num_splits + split;
#pragma unroll
        for (int j = 0; j < kVec; ++j) a.partial_out[idx * D + chunk * kVec + j] = acc[g][j];
        if (chunk == 0) {
          a.partial_max[idx] = stat_max[g0 + g];
          a.partial_sum[idx] = stat_sum[g0 + g];
        }
      }
    }
  }
  if (single) return;

  MergeSplitsIfLast<T>(a, seq, kv_head, context);
}

template <typename T, int D>
cudaError_t Launch(const DecodeAttentionArgs& a, cudaStream_t stream) {
  const int group = a.num_heads / a.num_kv_heads;
  const size_t smem = sizeof(float) * (group * D + group * a.partition_size + 2 * group) +
                      sizeof(int) * a.partition_size;
  if (smem > 48 * 1024) {
    cudaError_t e = cudaFuncSetAttribute(DecodeSplitKernel<T, D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(smem));
    if (e != cudaSuccess) return e;
  }
  dim3 grid(a.num_splits, a.num_kv_heads, a.num_seqs);
  // Up to tens of KB of shared memory per block (launch.cuh).
  return LaunchKernelEx(DecodeSplitKernel<T, D>, grid, dim3(kThreads), smem, stream, 1, kDriverCarveout, a);
}

}  // namespace

bool DecodeAttentionSupportsHeadDim(int head_dim) {
  switch (head_dim) {
    case 16: case 32: case 64: case 80: case 96: case 128: case 256: return true;
    default: return false;
  }
}

cudaError_t DecodeAttention(const DecodeAttentionArgs& a, cudaStream_t stream) {
  if (a.num_seqs == 0) return cudaSuccess;
  if (a.num_splits > 1 && a.split_counters == nullptr) return cudaErrorInvalidValue;
  if (MmaDecodeAttentionSupports(a)) return MmaDecodeAttention(a, stream);
  cudaError_t result = cudaErrorInvalidValue;
  BASALT_DISPATCH_DTYPE(a.dtype, T, {
    switch (a.head_dim) {
      case 16: result = Launch<T, 16>(a, stream); break;
      case 32: result = Launch<T, 32>(a, stream); break;
      case 64: result = Launch<T, 64>(a, stream); break;
      case 80: result = Launch<T, 80>(a, stream); break;
      case 96: result = Launch<T, 96>(a, stream); break;
      case 128: result = Launch<T, 128>(a, stream); break;
      case 256: result = Launch<T, 256>(a, stream); break;
      default: result = cudaErrorInvalidValue;
    }
  });
  return result;
}

}  // namespace basalt::kernels
