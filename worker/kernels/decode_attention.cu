// Flash-decoding over the paged KV cache. Grid (splits, kv heads, sequences): each block takes one
// partition of one sequence's context for one kv head and all the query heads that share it (GQA), so
// every K/V row is read once per group, not once per query head. With one split the block normalizes and
// writes the output; with several, a second kernel merges the partial results (log-sum-exp).
#include <cfloat>

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

  const T* keys = static_cast<const T*>(a.key_cache);
  for (int t = threadIdx.x; t < n; t += kThreads) {
    float k[D];
    LoadRow(keys + (static_cast<int64_t>(rows[t]) * a.num_kv_heads + kv_head) * D, k, D);
    for (int g = 0; g < group; ++g) {
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

  // P.V: V rows are read as 16-byte chunks. C chunks cover a row and L = kThreads / C token lanes split
  // the partition, so a thread issues n / L vector loads per head of the group (L1 serves the group's
  // repeats), where one thread per output used to issue n dependent 2-byte loads; a shared-memory sum
  // over the lanes finishes each head.
  constexpr int kVec = 16 / sizeof(T);
  constexpr int C = D / kVec;
  constexpr int L = kThreads / C;
  float* lane_sums = stat_sum + group;  // [L][D]
  const int token_lane = threadIdx.x / C, chunk = threadIdx.x % C;
  const T* values = static_cast<const T*>(a.value_cache);
  for (int g = 0; g < group; ++g) {
    if (token_lane < L) {
      float acc[kVec];
#pragma unroll
      for (int j = 0; j < kVec; ++j) acc[j] = 0.f;
      const float* p = scores + g * P;
      for (int t = token_lane; t < n; t += L) {
        const uint4 raw = *reinterpret_cast<const uint4*>(
            values + (static_cast<int64_t>(rows[t]) * a.num_kv_heads + kv_head) * D + chunk * kVec);
        const T* v = reinterpret_cast<const T*>(&raw);
        const float pt = p[t];
#pragma unroll
        for (int j = 0; j < kVec; ++j) acc[j] += pt * ToFloat(v[j]);
      }
#pragma unroll
      for (int j = 0; j < kVec; ++j) lane_sums[token_lane * D + chunk * kVec + j] = acc[j];
    }
    __syncthreads();
    const int h = kv_head * group + g;
    for (int d = threadIdx.x; d < D; d += kThreads) {
      float acc = 0.f;
#pragma unroll 4
      for (int l = 0; l < L; ++l) acc += lane_sums[l * D + d];
      if (single) {
        static_cast<T*>(a.out)[(static_cast<int64_t>(seq) * a.num_heads + h) * D + d] = FromFloat<T>(acc / stat_sum[g]);
      } else {
        const int64_t idx = (static_cast<int64_t>(seq) * a.num_heads + h) * a.num_splits + split;
        a.partial_out[idx * D + d] = acc;
        if (d == 0) {
          a.partial_max[idx] = stat_max[g];
          a.partial_sum[idx] = stat_sum[g];
        }
      }
    }
    __syncthreads();  // lane_sums is reused by the next head
  }
}

// Merges the splits of one (sequence, head): out = sum_s e^(m_s - M) o_s / sum_s e^(m_s - M) l_s, over
// the splits that hold part of the sequence's (windowed) context, [first, last]; the others are empty.
template <typename T>
__global__ void MergeSplitsKernel(DecodeAttentionArgs a) {
  AllowNextKernel();
  WaitForPreviousKernel();
  const int seq = blockIdx.y, h = blockIdx.x;
  const int context = a.context_lens[seq];
  const int first = a.sliding_window > 0 ? max(0, context - a.sliding_window) / a.partition_size : 0;
  const int last = min(a.num_splits - 1, (context - 1) / a.partition_size);
  const int64_t base = (static_cast<int64_t>(seq) * a.num_heads + h) * a.num_splits;
  float m = -FLT_MAX;
  for (int s = first; s <= last; ++s) m = fmaxf(m, a.partial_max[base + s]);
  float denominator = 0.f;
  for (int s = first; s <= last; ++s) denominator += __expf(a.partial_max[base + s] - m) * a.partial_sum[base + s];
  for (int d = threadIdx.x; d < a.head_dim; d += blockDim.x) {
    float numerator = 0.f;
    for (int s = first; s <= last; ++s) {
      numerator += __expf(a.partial_max[base + s] - m) * a.partial_out[(base + s) * a.head_dim + d];
    }
    static_cast<T*>(a.out)[(static_cast<int64_t>(seq) * a.num_heads + h) * a.head_dim + d] =
        FromFloat<T>(numerator / denominator);
  }
}

template <typename T, int D>
cudaError_t Launch(const DecodeAttentionArgs& a, cudaStream_t stream) {
  const int group = a.num_heads / a.num_kv_heads;
  const size_t smem = sizeof(float) * (group * D + group * a.partition_size + 2 * group) +
                      sizeof(int) * a.partition_size + sizeof(float) * kThreads * (16 / sizeof(T));
  if (smem > 48 * 1024) {
    cudaError_t e = cudaFuncSetAttribute(DecodeSplitKernel<T, D>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(smem));
    if (e != cudaSuccess) return e;
  }
  dim3 grid(a.num_splits, a.num_kv_heads, a.num_seqs);
  cudaError_t e = LaunchKernel(DecodeSplitKernel<T, D>, grid, dim3(kThreads), smem, stream, a);
  if (e != cudaSuccess || a.num_splits == 1) return e;
  return LaunchKernel(MergeSplitsKernel<T>, dim3(a.num_heads, a.num_seqs), dim3(min(a.head_dim, 256)), 0, stream, a);
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
