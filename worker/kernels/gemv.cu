// Skinny matrix products for decode steps: y[M, N] = x[M, K] W[N, K]^T (* scale[N]) (+ bias) with M <= 8.
// At such M the product is one pass over the weights, so the kernel is built for bytes in flight:
//
// - a block of 128 threads owns R output rows and splits K among all its threads (split-K inside the
//   block): each thread streams 16-byte chunks of the R rows, U chunks per row before it uses any, so
//   R * U loads are outstanding per thread; partial sums meet in a warp reduction, then in shared memory.
// - a row of 2048 bf16 values is 256 chunks: 128 threads with U = 2 read it in one round of loads, and a
//   2048-row matrix gives 1024 blocks, about 8 per SM. Measured on an H100 in a CUDA graph at M = 1
//   (basalt-kernel-bench, 2026-11-25): 2.5-3.1 TB/s on the TinyLlama shapes, 1.1-1.9x faster than cuBLAS;
//   at M = 8 cuBLAS is ~20% faster, so GemvSupports stops at 4 (int8 weights keep the kernel up to 8).
// - weights are read with an evict-first hint (each byte is used once per step); x with the read-only
//   path (every block reads all of it).
//
// The same kernel streams int8 weights (--quantization int8): a 16-byte load is 16 weights, widened to
// float in registers, and the row's scale multiplies the finished sum (scale * sum(q x) = sum((q scale) x)).
#include <cstdint>

#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/int8_utils.cuh"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;
constexpr int kUnroll = 2;  // chunks of each row loaded before any is used

// 16 bytes of weights to float: 16 / sizeof(W) values.
template <typename W>
__device__ __forceinline__ void Widen(const uint4& v, float* out) {
  const W* w = reinterpret_cast<const W*>(&v);
#pragma unroll
  for (int j = 0; j < static_cast<int>(16 / sizeof(W)); ++j) out[j] = ToFloat(w[j]);
}
template <>
__device__ __forceinline__ void Widen<int8_t>(const uint4& v, float* out) {
  Int8x4ToFloat(v.x, out);
  Int8x4ToFloat(v.y, out + 4);
  Int8x4ToFloat(v.z, out + 8);
  Int8x4ToFloat(v.w, out + 12);
}

// T: activations, bias and output; W: weights (T, or int8 with `scale`); M: rows of x; R: rows of W per block.
template <typename T, typename W, int M, int R>
__global__ void __launch_bounds__(kThreads) GemvKernel(T* __restrict__ y, const T* __restrict__ x,
                                                       const W* __restrict__ w, const float* __restrict__ scale,
                                                       const T* __restrict__ bias, int n, int k) {
  constexpr int kPerLoad = 16 / sizeof(W);              // weights per 16-byte load
  constexpr int kXPerLoad = 16 / sizeof(T);             // x values per 16-byte load
  constexpr int kXLoads = kPerLoad / kXPerLoad;         // x loads per weight load
  constexpr int kStride = kThreads * kPerLoad;          // K covered by one load of every thread
  AllowNextKernel();
  const int row0 = blockIdx.x * R;
  const W* rows[R];
#pragma unroll
  for (int r = 0; r < R; ++r) rows[r] = w + static_cast<int64_t>(min(row0 + r, n - 1)) * k;

  float acc[R][M];
#pragma unroll
  for (int r = 0; r < R; ++r)
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = 0.f;

  // The first weight loads are issued before waiting for the kernel that produces x (launch.cuh).
  bool waited = false;
  for (int base = threadIdx.x * kPerLoad; base < k; base += kStride * kUnroll) {
    uint4 wv[kUnroll][R];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k0 = base + u * kStride;
#pragma unroll
      for (int r = 0; r < R; ++r) {
        wv[u][r] = k0 < k ? __ldcs(reinterpret_cast<const uint4*>(rows[r] + k0)) : make_uint4(0, 0, 0, 0);
      }
    }
    if (!waited) {
      WaitForPreviousKernel();
      waited = true;
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k0 = base + u * kStride;
      if (k0 >= k) break;
      float wf[R][kPerLoad];
#pragma unroll
      for (int r = 0; r < R; ++r) Widen<W>(wv[u][r], wf[r]);
#pragma unroll
      for (int m = 0; m < M; ++m) {
        float xf[kPerLoad];
#pragma unroll
        for (int c = 0; c < kXLoads; ++c) {
          const uint4 xv = __ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k + k0 + c * kXPerLoad));
          Widen<T>(xv, xf + c * kXPerLoad);
        }
#pragma unroll
        for (int r = 0; r < R; ++r) {
#pragma unroll
          for (int j = 0; j < kPerLoad; ++j) acc[r][m] = fmaf(wf[r][j], xf[j], acc[r][m]);
        }
      }
    }
  }

  if (!waited) WaitForPreviousKernel();
  __shared__ float partial[kWarps][R * M];
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
    const int r = threadIdx.x / M, m = threadIdx.x % M, row = row0 + r;
    if (row < n) {
      float sum = 0.f;
#pragma unroll
      for (int i = 0; i < kWarps; ++i) sum += partial[i][threadIdx.x];
      if (scale != nullptr) sum *= scale[row];
      if (bias != nullptr) sum += ToFloat(bias[row]);
      y[static_cast<int64_t>(m) * n + row] = FromFloat<T>(sum);
    }
  }
}

// Large N has blocks enough to fill the GPU with 4 rows each (fewer, longer-lived blocks); small N takes
// 2 so that a 2048-row matrix still spreads over all SMs.
template <typename T, typename W, int M>
cudaError_t LaunchGemv(void* y, const void* x, const W* w, const float* scale, const void* bias, int n, int k,
                       cudaStream_t stream) {
  if (n >= 8192) {
    return LaunchKernel(GemvKernel<T, W, M, 4>, dim3((n + 3) / 4), dim3(kThreads), 0, stream, static_cast<T*>(y),
                        static_cast<const T*>(x), w, scale, static_cast<const T*>(bias), n, k);
  }
  return LaunchKernel(GemvKernel<T, W, M, 2>, dim3((n + 1) / 2), dim3(kThreads), 0, stream, static_cast<T*>(y),
                      static_cast<const T*>(x), w, scale, static_cast<const T*>(bias), n, k);
}

template <typename T, typename W>
cudaError_t DispatchRows(int m, void* y, const void* x, const W* w, const float* scale, const void* bias, int n, int k,
                  cudaStream_t stream) {
  switch (m) {
    case 1: return LaunchGemv<T, W, 1>(y, x, w, scale, bias, n, k, stream);
    case 2: return LaunchGemv<T, W, 2>(y, x, w, scale, bias, n, k, stream);
    case 3: return LaunchGemv<T, W, 3>(y, x, w, scale, bias, n, k, stream);
    case 4: return LaunchGemv<T, W, 4>(y, x, w, scale, bias, n, k, stream);
    case 5: return LaunchGemv<T, W, 5>(y, x, w, scale, bias, n, k, stream);
    case 6: return LaunchGemv<T, W, 6>(y, x, w, scale, bias, n, k, stream);
    case 7: return LaunchGemv<T, W, 7>(y, x, w, scale, bias, n, k, stream);
    case 8: return LaunchGemv<T, W, 8>(y, x, w, scale, bias, n, k, stream);
  }
  return cudaErrorInvalidValue;
}

bool Aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

}  // namespace

// Up to 4 rows: at 8, cuBLAS was ~20% faster on the TinyLlama shapes (H100, in a graph); int8 weights
// keep the kernel up to 8 rows, where dequantizing for cuBLAS costs more.
bool GemvSupports(int m, int k, DataType dtype) {
  const int vec = dtype == DataType::kFloat32 ? 4 : 8;
  return m >= 1 && m <= 4 && k % vec == 0;
}

cudaError_t Gemv(void* y, const void* x, const void* w, const void* bias, int m, int n, int k, DataType dtype,
                 cudaStream_t stream) {
  if (!GemvSupports(m, k, dtype) || !Aligned16(x) || !Aligned16(w)) return cudaErrorInvalidValue;
  BASALT_DISPATCH_DTYPE(dtype, T,
                        { return DispatchRows<T, T>(m, y, x, static_cast<const T*>(w), nullptr, bias, n, k, stream); });
  return cudaErrorInvalidValue;
}

bool GemvInt8Supports(int m, int k, DataType /*dtype*/) { return m >= 1 && m <= 8 && k > 0 && k % 16 == 0; }

cudaError_t GemvInt8(void* y, const void* x, const int8_t* w, const float* scale, const void* bias, int m, int n,
                     int k, DataType dtype, cudaStream_t stream) {
  if (!GemvInt8Supports(m, k, dtype) || !Aligned16(x) || !Aligned16(w) || scale == nullptr) {
    return cudaErrorInvalidValue;
  }
  BASALT_DISPATCH_DTYPE(dtype, T, { return DispatchRows<T, int8_t>(m, y, x, w, scale, bias, n, k, stream); });
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
