#pragma once
// What the decode-attention kernels share about splits (flash-decoding): which splits hold context, and
// the merge of the partial results, done by the last split block of a (sequence, kv head) to finish,
// found with an atomic counter. A separate merge kernel cost ~7.7 us per layer at batch 1 (ncu), mostly
// its launch and dependency wait.
#include <cfloat>

#include "worker/kernels/dtype_utils.cuh"

namespace basalt::kernels {

// The splits that hold part of a sequence's (windowed) context: [first, last]; the others are empty.
__device__ __forceinline__ int FirstSplit(const DecodeAttentionArgs& a, int context) {
  return a.sliding_window > 0 ? max(0, context - a.sliding_window) / a.partition_size : 0;
}
__device__ __forceinline__ int LastSplit(const DecodeAttentionArgs& a, int context) {
  return min(a.num_splits - 1, (context - 1) / a.partition_size);
}

// Element d of head h merged over splits [first, last]: sum_s e^(m_s - M) o_s / sum_s e^(m_s - M) l_s.
// Reads through L2 (__ldcg): other blocks wrote the partial results.
__device__ __forceinline__ float MergedValue(const DecodeAttentionArgs& a, int seq, int h, int d, int first, int last) {
  const int64_t base = (static_cast<int64_t>(seq) * a.num_heads + h) * a.num_splits;
  float m = -FLT_MAX;
  for (int s = first; s <= last; ++s) m = fmaxf(m, __ldcg(a.partial_max + base + s));
  float numerator = 0.f, denominator = 0.f;
  for (int s = first; s <= last; ++s) {
    const float weight = __expf(__ldcg(a.partial_max + base + s) - m);
    denominator += weight * __ldcg(a.partial_sum + base + s);
    numerator += weight * __ldcg(a.partial_out + (base + s) * a.head_dim + d);
  }
  return numerator / denominator;
}

// Called by every thread of a split block after it wrote its partial results: counts the split as done,
// and the block that completes the count of the sequence's non-empty splits writes the merged output of
// the group's heads (and resets the counter for the next launch: graph replays reuse the buffer).
template <typename T>
__device__ __forceinline__ void MergeSplitsIfLast(const DecodeAttentionArgs& a, int seq, int kv_head, int context) {
  __shared__ bool merge;
  const int group = a.num_heads / a.num_kv_heads;
  const int first = FirstSplit(a, context), last = LastSplit(a, context);
  __threadfence();  // this block's partial results are visible before it is counted
  __syncthreads();
  if (threadIdx.x == 0) {
    int* counter = a.split_counters + seq * a.num_kv_heads + kv_head;
    merge = atomicAdd(counter, 1) == last - first;
    if (merge) *counter = 0;
  }
  __syncthreads();
  if (!merge) return;
  __threadfence();
  for (int i = threadIdx.x; i < group * a.head_dim; i += blockDim.x) {
    const int h = kv_head * group + i / a.head_dim, d = i % a.head_dim;
    static_cast<T*>(a.out)[(static_cast<int64_t>(seq) * a.num_heads + h) * a.head_dim + d] =
        FromFloat<T>(MergedValue(a, seq, h, d, first, last));
  }
}

}  // namespace basalt::kernels
