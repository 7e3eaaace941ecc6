#pragma once
// The GEMV kernel and its launches (gemv.cu has the design notes and the entry points). Instantiated
// once per activation dtype and weight kind, each in its own translation unit (gemv_<dtype>[_int8].cu),
// so that the build compiles them in parallel: as one file (252 kernels) it was the GPU build's critical
// path, the last of 167 objects to finish in a 354-393 s build on 16 cores (2026-12-02; on this project's
// 2-core machine 131 s as one file, 18-50 s per part).
#include <cstdint>
#include <type_traits>

#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/gemv_epilogue.cuh"
#include "worker/kernels/int8_utils.cuh"
#include "worker/kernels/kernels.h"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels::gemv {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;

// 1 / RMS of each of the M rows of x [M, k] (every thread gets all M).
template <typename T, int M>
__device__ __forceinline__ void InverseRms(const T* __restrict__ x, int k, float eps, float* inv) {
  constexpr int kVec = 16 / sizeof(T);
  __shared__ float sums[kWarps][M];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
#pragma unroll
  for (int m = 0; m < M; ++m) {
    float s = 0.f;
    for (int i = threadIdx.x * kVec; i < k; i += kThreads * kVec) {
      float f[kVec];
      Widen<T>(__ldca(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k + i)), f);
#pragma unroll
      for (int j = 0; j < kVec; ++j) s = fmaf(f[j], f[j], s);
    }
    s = WarpSum(s);
    if (lane == 0) sums[warp][m] = s;
  }
  __syncthreads();
#pragma unroll
  for (int m = 0; m < M; ++m) {
    float total = 0.f;
#pragma unroll
    for (int i = 0; i < kWarps; ++i) total += sums[i][m];
    inv[m] = rsqrtf(total / k + eps);
  }
}

// As the RmsNorm kernel rounds: Llama w * round(x * inv); Gemma (x * inv) * (1 + w) rounded once.
template <typename T>
__device__ __forceinline__ float Normalize(float x, float inv, float w, bool unit_offset) {
  return unit_offset ? Round<T>(x * inv * (1.f + w)) : Round<T>(w * Round<T>(x * inv));
}

// T: activations, bias and output; W: weights (T, or int8 with `scale`); M: rows of x; R: rows of W per
// block (RowOf); kUnroll: chunks of each row loaded before any is used; kNorm: the RMSNorm prologue;
// kNormedOut: the first block also writes the normalized x (GemvArgs::normed_out; a template flag because
// its stores cost the other instances registers).
// Blocks per multiprocessor the register budget must allow at one row of x (the counts the kernel had
// before its epilogue operands moved early): bytes in flight are what the kernel is for. The LM head's
// form (kNormedOut) takes 6: at 8 it spilled in its main loop, and its 8000 blocks run in waves anyway.
template <int M, int R, int kUnroll, bool kNormedOut>
constexpr int MinBlocks() {
  return M > 1 ? 1 : kNormedOut ? 6 : (R == 2 && kUnroll == 2 ? 10 : 8);
}

template <typename T, typename W, int M, int R, int kUnroll, bool kNorm, bool kNormedOut = false>
__global__ void __launch_bounds__(kThreads, (MinBlocks<M, R, kUnroll, kNormedOut>())) GemvKernel(const GemvArgs a, int pair) {
  constexpr int kPerLoad = 16 / sizeof(W);              // weights per 16-byte load
  constexpr int kXPerLoad = 16 / sizeof(T);             // x values per 16-byte load
  constexpr int kXLoads = kPerLoad / kXPerLoad;         // x loads per weight load
  constexpr int kStride = kThreads * kPerLoad;          // K covered by one load of every thread
  AllowNextKernel();
  const int n = a.n, k = a.k;
  const T* __restrict__ x = static_cast<const T*>(a.x);
  const T* __restrict__ norm_weight = static_cast<const T*>(a.norm_weight);

  const W* rows[R];
#pragma unroll
  for (int r = 0; r < R; ++r) rows[r] = static_cast<const W*>(a.w) + static_cast<int64_t>(min(RowOf<R>(r, pair), n - 1)) * k;

  float acc[R][M];
#pragma unroll
  for (int r = 0; r < R; ++r)
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = 0.f;

  // Every thread runs the same number of rounds (loads past k are masked), so the prologue's barrier in
  // round 0 is reached by all. The first weight loads are issued before waiting for the kernel that
  // produces x (launch.cuh).
  // The epilogue's operands, loaded as early as each may be (or after the reduction, as the baseline).
  __shared__ EpilogueOperands<R * M> early;
  T* __restrict__ normed_out = kNormedOut && blockIdx.x == 0 ? static_cast<T*>(a.normed_out) : nullptr;

  float inv[M];
  const int rounds = (k + kStride * kUnroll - 1) / (kStride * kUnroll);
  for (int round = 0; round < rounds; ++round) {
    const int base = round * kStride * kUnroll + threadIdx.x * kPerLoad;
    uint4 wv[kUnroll][R];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k0 = base + u * kStride;
#pragma unroll
      for (int r = 0; r < R; ++r) {
        wv[u][r] = k0 < k ? __ldcs(reinterpret_cast<const uint4*>(rows[r] + k0)) : make_uint4(0, 0, 0, 0);
      }
    }
    if (round == 0) {
      if (a.early_epilogue_operands) LoadRotaryOperands<T, R>(a, pair, M, early);
      WaitForPreviousKernel();
      if (a.early_epilogue_operands) LoadResidualOperand<T, R>(a, pair, M, early);
      if constexpr (kNorm) InverseRms<T, M>(x, k, a.norm_eps, inv);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k0 = base + u * kStride;
      if (k0 >= k) break;
      float wf[R][kPerLoad];
#pragma unroll
      for (int r = 0; r < R; ++r) Widen<W>(wv[u][r], wf[r]);
      float nw[kPerLoad];
      if constexpr (kNorm) {
#pragma unroll
        for (int c = 0; c < kXLoads; ++c) {
          Widen<T>(__ldg(reinterpret_cast<const uint4*>(norm_weight + k0 + c * kXPerLoad)), nw + c * kXPerLoad);
        }
      }
#pragma unroll
      for (int m = 0; m < M; ++m) {
        // x is the previous kernel's output: ld.global.ca, not the read-only path (skinny_cluster_mma.cu).
        float xf[kPerLoad];
#pragma unroll
        for (int c = 0; c < kXLoads; ++c) {
          const uint4 xv = __ldca(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k + k0 + c * kXPerLoad));
          Widen<T>(xv, xf + c * kXPerLoad);
        }
        if constexpr (kNorm) {
#pragma unroll
          for (int j = 0; j < kPerLoad; ++j) xf[j] = Normalize<T>(xf[j], inv[m], nw[j], a.norm_unit_offset);
          if (kNormedOut && normed_out != nullptr) {
#pragma unroll
            for (int j = 0; j < kPerLoad; ++j) normed_out[static_cast<int64_t>(m) * k + k0 + j] = FromFloat<T>(xf[j]);
          }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) {
#pragma unroll
          for (int j = 0; j < kPerLoad; ++j) acc[r][m] = fmaf(wf[r][j], xf[j], acc[r][m]);
        }
      }
    }
  }

  __shared__ float partial[kWarps][R * M];
  __shared__ float result[R * M];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
#pragma unroll
  for (int r = 0; r < R; ++r) {
#pragma unroll
    for (int m = 0; m < M; ++m) {
      const float s = WarpSum(acc[r][m]);
      if (lane == 0) partial[warp][r * M + m] = s;
    }
  }
  __syncthreads();
  if (threadIdx.x < R * M) {
    float sum = 0.f;
#pragma unroll
    for (int i = 0; i < kWarps; ++i) sum += partial[i][threadIdx.x];
    result[threadIdx.x] = sum;
  }
  if (!a.early_epilogue_operands) {
    LoadRotaryOperands<T, R>(a, pair, M, early);
    LoadResidualOperand<T, R>(a, pair, M, early);
  }
  ApplyEpilogue<T, R, R * M>(a, pair, result, M, nullptr, &early);
}

// Large N has blocks enough to fill the GPU with 4 rows each (fewer, longer-lived blocks); small N takes
// 2 so that a 2048-row matrix still spreads over all SMs. Rows of 2048 16-bit values are one round of
// loads at 2 chunks per row; longer rows (the down projection's 5632) take 4, so that most of a block's
// weights are requested before the dependency wait rather than a third of them.
template <typename T, typename W, int M, bool kNorm, bool kNormedOut = false>
cudaError_t LaunchGemv(const GemvArgs& a, cudaStream_t stream) {
  const int pair = PairOffset(a);
  if (a.n >= 8192) {
    return LaunchKernel(GemvKernel<T, W, M, 4, 2, kNorm, kNormedOut>, dim3((a.n + 3) / 4), dim3(kThreads), 0, stream, a, pair);
  }
  if (a.k > kThreads * (16 / static_cast<int>(sizeof(W))) * 2) {
    return LaunchKernel(GemvKernel<T, W, M, 2, 4, kNorm, kNormedOut>, dim3((a.n + 1) / 2), dim3(kThreads), 0, stream, a, pair);
  }
  return LaunchKernel(GemvKernel<T, W, M, 2, 2, kNorm, kNormedOut>, dim3((a.n + 1) / 2), dim3(kThreads), 0, stream, a, pair);
}

template <typename T, typename W, int M>
cudaError_t LaunchGemv(const GemvArgs& a, cudaStream_t stream) {
  if (a.norm_weight == nullptr) return LaunchGemv<T, W, M, false>(a, stream);
  if constexpr (std::is_same_v<T, W>) {  // the LM head's form (dtype weights only: GemvSupports)
    if (a.normed_out != nullptr) return LaunchGemv<T, W, M, true, true>(a, stream);
  }
  return LaunchGemv<T, W, M, true>(a, stream);
}

// The launch for a.m rows of x (1-4 with weights of the dtype T, 1-8 with int8 weights W).
template <typename T, typename W>
cudaError_t GemvRows(const GemvArgs& a, cudaStream_t stream) {
  if constexpr (std::is_same_v<W, int8_t>) {
    switch (a.m) {
      case 1: return LaunchGemv<T, W, 1>(a, stream);
      case 2: return LaunchGemv<T, W, 2>(a, stream);
      case 3: return LaunchGemv<T, W, 3>(a, stream);
      case 4: return LaunchGemv<T, W, 4>(a, stream);
      case 5: return LaunchGemv<T, W, 5>(a, stream);
      case 6: return LaunchGemv<T, W, 6>(a, stream);
      case 7: return LaunchGemv<T, W, 7>(a, stream);
      case 8: return LaunchGemv<T, W, 8>(a, stream);
    }
  } else {
    switch (a.m) {
      case 1: return LaunchGemv<T, W, 1>(a, stream);
      case 2: return LaunchGemv<T, W, 2>(a, stream);
      case 3: return LaunchGemv<T, W, 3>(a, stream);
      case 4: return LaunchGemv<T, W, 4>(a, stream);
    }
  }
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels::gemv
