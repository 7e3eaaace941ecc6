// Skinny matrix products for decode steps: y[M, N] = x[M, K] W[N, K]^T (+ bias) with M <= 8. At such M
// the product is a pass over the weights, so the kernel is built for bandwidth: each warp owns a few
// output rows, every lane streams 16-byte chunks of those rows (coalesced across the warp), several
// chunks in flight, float accumulation, one warp reduction at the end.
#include "worker/kernels/dtype_utils.cuh"

namespace basalt::kernels {
namespace {

constexpr int kWarps = 4;
constexpr int kRowsPerWarp = 2;

template <typename T, int M>
__global__ void __launch_bounds__(kWarps * 32) GemvKernel(T* __restrict__ y, const T* __restrict__ x,
                                                          const T* __restrict__ w, const T* __restrict__ bias,
                                                          int n, int k) {
  constexpr int kVec = 16 / sizeof(T);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int row0 = (blockIdx.x * kWarps + warp) * kRowsPerWarp;
  if (row0 >= n) return;
  float acc[kRowsPerWarp][M];
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r)
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = 0.f;

  for (int k0 = lane * kVec; k0 < k; k0 += 32 * kVec) {
    uint4 wv[kRowsPerWarp];
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int row = min(row0 + r, n - 1);
      wv[r] = __ldg(reinterpret_cast<const uint4*>(w + static_cast<int64_t>(row) * k + k0));
    }
#pragma unroll
    for (int m = 0; m < M; ++m) {
      const uint4 xv = __ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k + k0));
      const T* xs = reinterpret_cast<const T*>(&xv);
#pragma unroll
      for (int r = 0; r < kRowsPerWarp; ++r) {
        const T* ws = reinterpret_cast<const T*>(&wv[r]);
#pragma unroll
        for (int j = 0; j < kVec; ++j) acc[r][m] += ToFloat(ws[j]) * ToFloat(xs[j]);
      }
    }
  }
#pragma unroll
  for (int r = 0; r < kRowsPerWarp; ++r) {
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = WarpSum(acc[r][m]);
  }
  if (lane == 0) {
#pragma unroll
    for (int r = 0; r < kRowsPerWarp; ++r) {
      const int row = row0 + r;
      if (row >= n) break;
      const float b = bias ? ToFloat(bias[row]) : 0.f;
#pragma unroll
      for (int m = 0; m < M; ++m) y[static_cast<int64_t>(m) * n + row] = FromFloat<T>(acc[r][m] + b);
    }
  }
}

template <typename T, int M>
void LaunchGemv(void* y, const void* x, const void* w, const void* bias, int n, int k, cudaStream_t stream) {
  const int rows_per_block = kWarps * kRowsPerWarp;
  GemvKernel<T, M><<<(n + rows_per_block - 1) / rows_per_block, kWarps * 32, 0, stream>>>(
      static_cast<T*>(y), static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias), n, k);
}

}  // namespace

bool GemvSupports(int m, int k, DataType dtype) {
  const int vec = dtype == DataType::kFloat32 ? 4 : 8;
  return m >= 1 && m <= 8 && k % vec == 0;
}

cudaError_t Gemv(void* y, const void* x, const void* w, const void* bias, int m, int n, int k, DataType dtype,
                 cudaStream_t stream) {
  if (!GemvSupports(m, k, dtype)) return cudaErrorInvalidValue;
  BASALT_DISPATCH_DTYPE(dtype, T, {
    switch (m) {
      case 1: LaunchGemv<T, 1>(y, x, w, bias, n, k, stream); break;
      case 2: LaunchGemv<T, 2>(y, x, w, bias, n, k, stream); break;
      case 3: LaunchGemv<T, 3>(y, x, w, bias, n, k, stream); break;
      case 4: LaunchGemv<T, 4>(y, x, w, bias, n, k, stream); break;
      case 5: LaunchGemv<T, 5>(y, x, w, bias, n, k, stream); break;
      case 6: LaunchGemv<T, 6>(y, x, w, bias, n, k, stream); break;
      case 7: LaunchGemv<T, 7>(y, x, w, bias, n, k, stream); break;
      case 8: LaunchGemv<T, 8>(y, x, w, bias, n, k, stream); break;
    }
  });
  return cudaGetLastError();
}

}  // namespace basalt::kernels
