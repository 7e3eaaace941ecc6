#pragma once
// Conversions between the storage types and float, and the dispatch from DataType to a template type.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "worker/kernels/kernels.h"

namespace basalt::kernels {

__device__ __forceinline__ float ToFloat(float x) { return x; }
__device__ __forceinline__ float ToFloat(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ __forceinline__ float ToFloat(__half x) { return __half2float(x); }

template <typename T>
__device__ __forceinline__ T FromFloat(float x);
template <>
__device__ __forceinline__ float FromFloat<float>(float x) { return x; }
template <>
__device__ __forceinline__ __nv_bfloat16 FromFloat<__nv_bfloat16>(float x) { return __float2bfloat16(x); }
template <>
__device__ __forceinline__ __half FromFloat<__half>(float x) { return __float2half(x); }

// 16 bytes of T as floats: 16 / sizeof(T) values (int8_utils.cuh adds int8).
template <typename T>
__device__ __forceinline__ void Widen(const uint4& v, float* out) {
  const T* w = reinterpret_cast<const T*>(&v);
#pragma unroll
  for (int j = 0; j < static_cast<int>(16 / sizeof(T)); ++j) out[j] = ToFloat(w[j]);
}

// Rounds through T: what a framework op computing in T would produce.
template <typename T>
__device__ __forceinline__ float Round(float x) { return ToFloat(FromFloat<T>(x)); }

#define BASALT_DISPATCH_DTYPE(dtype, T, ...)                \
  switch (dtype) {                                          \
    case DataType::kFloat32: {                              \
      using T = float;                                      \
      __VA_ARGS__;                                          \
      break;                                                \
    }                                                       \
    case DataType::kBFloat16: {                             \
      using T = __nv_bfloat16;                              \
      __VA_ARGS__;                                          \
      break;                                                \
    }                                                       \
    case DataType::kFloat16: {                              \
      using T = __half;                                     \
      __VA_ARGS__;                                          \
      break;                                                \
    }                                                       \
  }

__device__ __forceinline__ float WarpSum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffff, v, offset);
  return v;
}

__device__ __forceinline__ float WarpMax(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, offset));
  return v;
}

// Sum over the block; `scratch` holds one float per warp. Every thread gets the result.
__device__ __forceinline__ float BlockSum(float v, float* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  v = WarpSum(v);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = 0.f;
  for (int w = 0; w < warps; ++w) total += scratch[w];
  return total;
}

}  // namespace basalt::kernels
