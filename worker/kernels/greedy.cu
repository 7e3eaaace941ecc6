// The greedy choice of a decode step inside its CUDA graph: per row of float logits, the first index of
// the maximum (as torch's argmax) and its log-softmax, in one block per row. Torch's argmax, gather,
// logsumexp, subtraction and stack were six kernels of a few microseconds each on the batch-1 critical path.
// With asynchronous decoding the chosen ids also stay on the device (int64), and the next step's graph
// takes its input ids from them (FillPendingIds), so no host round trip sits between two steps.
#include <cfloat>

#include "worker/kernels/kernels.h"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

constexpr int kThreads = 1024;

// A running (max, first index of it, sum of exp(x - max)).
struct Best {
  float max;
  int index;
  float sum;
};

__device__ __forceinline__ Best Combine(Best a, Best b) {
  const float m = fmaxf(a.max, b.max);
  if (m == -FLT_MAX) return {m, min(a.index, b.index), 0.f};
  Best r;
  r.max = m;
  r.index = a.max > b.max || (a.max == b.max && a.index < b.index) ? a.index : b.index;
  r.sum = a.sum * __expf(a.max - m) + b.sum * __expf(b.max - m);
  return r;
}

__global__ void __launch_bounds__(kThreads) GreedyKernel(const float* logits, int vocab, float* out, int64_t* ids) {
  AllowNextKernel();
  WaitForPreviousKernel();
  const float* row = logits + static_cast<int64_t>(blockIdx.x) * vocab;
  Best best{-FLT_MAX, vocab, 0.f};
  for (int i = threadIdx.x; i < vocab; i += kThreads) best = Combine(best, Best{row[i], i, 1.f});
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    const Best other{__shfl_xor_sync(0xffffffff, best.max, offset), __shfl_xor_sync(0xffffffff, best.index, offset),
                     __shfl_xor_sync(0xffffffff, best.sum, offset)};
    best = Combine(best, other);
  }
  __shared__ Best warps[kThreads / 32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) warps[warp] = best;
  __syncthreads();
  if (warp != 0) return;
  best = warps[lane];
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    const Best other{__shfl_xor_sync(0xffffffff, best.max, offset), __shfl_xor_sync(0xffffffff, best.index, offset),
                     __shfl_xor_sync(0xffffffff, best.sum, offset)};
    best = Combine(best, other);
  }
  if (lane == 0) {
    // logprob = x[argmax] - (max + log(sum)) = -log(sum).
    out[2 * blockIdx.x] = static_cast<float>(best.index);
    out[2 * blockIdx.x + 1] = -logf(best.sum);
    if (ids != nullptr) ids[blockIdx.x] = best.index;
  }
}

__global__ void FillPendingIdsKernel(int64_t* ids, const int64_t* source_rows, const int64_t* previous, int n) {
  AllowNextKernel();
  WaitForPreviousKernel();
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n && source_rows[i] >= 0) ids[i] = previous[source_rows[i]];
}

}  // namespace

cudaError_t GreedyChoice(const float* logits, int64_t rows, int vocab, float* out, int64_t* ids, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  if (vocab <= 0) return cudaErrorInvalidValue;
  return LaunchKernel(GreedyKernel, dim3(static_cast<unsigned>(rows)), dim3(kThreads), 0, stream, logits, vocab, out,
                      ids);
}

cudaError_t FillPendingIds(int64_t* ids, const int64_t* source_rows, const int64_t* previous, int n,
                           cudaStream_t stream) {
  if (n <= 0) return cudaSuccess;
  constexpr int kBlock = 128;
  return LaunchKernel(FillPendingIdsKernel, dim3((n + kBlock - 1) / kBlock), dim3(kBlock), 0, stream, ids, source_rows,
                      previous, n);
}

}  // namespace basalt::kernels
