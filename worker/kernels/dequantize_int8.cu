// q * scale per row into the compute dtype (--quantization int8): the weight of a batch too large for
// the int8 GEMV is dequantized into scratch for cuBLAS.
#include <algorithm>
#include <cstdint>

#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/int8_utils.cuh"

namespace basalt::kernels {
namespace {

// Eight weights per thread (a group never straddles two rows when cols % 8 == 0): one 8-byte load, one or
// two 16-byte stores.
template <typename T>
__global__ void DequantizeInt8VecKernel(T* __restrict__ out, const int8_t* __restrict__ q,
                                        const float* __restrict__ scale, int64_t groups, int64_t cols) {
  constexpr int kStores = 8 * sizeof(T) / 16;
  for (int64_t g = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; g < groups;
       g += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = g * 8;
    const float s = scale[i / cols];
    const uint2 v = __ldg(reinterpret_cast<const uint2*>(q + i));
    float f[8];
    Int8x4ToFloat(v.x, f);
    Int8x4ToFloat(v.y, f + 4);
    alignas(16) T o[8];
#pragma unroll
    for (int j = 0; j < 8; ++j) o[j] = FromFloat<T>(f[j] * s);
#pragma unroll
    for (int c = 0; c < kStores; ++c) reinterpret_cast<uint4*>(out + i)[c] = reinterpret_cast<const uint4*>(o)[c];
  }
}

template <typename T>
__global__ void DequantizeInt8Kernel(T* __restrict__ out, const int8_t* __restrict__ q, const float* __restrict__ scale,
                                     int64_t total, int64_t cols) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    out[i] = FromFloat<T>(static_cast<float>(q[i]) * scale[i / cols]);
  }
}

}  // namespace

cudaError_t DequantizeInt8(void* out, const int8_t* q, const float* scale, int64_t rows, int64_t cols, DataType dtype,
                           cudaStream_t stream) {
  const int64_t total = rows * cols;
  if (total == 0) return cudaSuccess;
  constexpr int kThreads = 256;
  const bool vec = cols % 8 == 0 && reinterpret_cast<uintptr_t>(out) % 16 == 0 && reinterpret_cast<uintptr_t>(q) % 8 == 0;
  const int64_t work = vec ? total / 8 : total;
  const int blocks = static_cast<int>(std::min<int64_t>((work + kThreads - 1) / kThreads, 65536));
  BASALT_DISPATCH_DTYPE(dtype, T, {
    if (vec) {
      DequantizeInt8VecKernel<T><<<blocks, kThreads, 0, stream>>>(static_cast<T*>(out), q, scale, work, cols);
    } else {
      DequantizeInt8Kernel<T><<<blocks, kThreads, 0, stream>>>(static_cast<T*>(out), q, scale, total, cols);
    }
  });
  return cudaGetLastError();
}

}  // namespace basalt::kernels
