// Rotary embedding of q and k in place inside the fused qkv projection, then the KV cache write: one
// launch instead of rotate-q, rotate-k, copy-k, copy-v. Rounds like transformers' bf16/fp16 path
// (cos/sin cast to the model dtype, each product rounded, then the sum).
#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

template <typename T>
__device__ __forceinline__ void RotatePair(T* x, int i, int j, float c, float s) {
  const float x1 = ToFloat(x[i]), x2 = ToFloat(x[j]);
  x[i] = FromFloat<T>(Round<T>(x1 * c) - Round<T>(x2 * s));
  x[j] = FromFloat<T>(Round<T>(x2 * c) + Round<T>(x1 * s));
}

template <typename T>
__global__ void RotaryKvKernel(RotaryKvArgs a) {
  AllowNextKernel();
  WaitForPreviousKernel();
  const int64_t token = blockIdx.x;
  T* row = static_cast<T*>(a.qkv) + token * a.row_stride;
  const float pos = static_cast<float>(a.positions[token]);
  const int half = a.rotary_dim / 2;
  const int heads = a.num_heads + a.num_kv_heads;  // q and k heads are rotated alike
  for (int idx = threadIdx.x; idx < heads * half; idx += blockDim.x) {
    const int head = idx / half, i = idx % half;
    const float angle = pos * a.inv_freq[i];
    const float c = Round<T>(cosf(angle) * a.attention_scaling);
    const float s = Round<T>(sinf(angle) * a.attention_scaling);
    T* x = row + head * a.head_dim;
    if (a.interleaved) {
      RotatePair(x, 2 * i, 2 * i + 1, c, s);
    } else {
      RotatePair(x, i, i + half, c, s);
    }
  }
  const int64_t slot = a.slot_mapping[token];
  if (slot < 0) return;
  __syncthreads();  // k is rotated before it is copied
  const int kv = a.num_kv_heads * a.head_dim;
  const T* k = row + a.num_heads * a.head_dim;
  const T* v = k + kv;
  T* kc = static_cast<T*>(a.key_cache) + slot * kv;
  T* vc = static_cast<T*>(a.value_cache) + slot * kv;
  for (int i = threadIdx.x; i < kv; i += blockDim.x) {
    kc[i] = k[i];
    vc[i] = v[i];
  }
}

}  // namespace

cudaError_t RotaryAndCacheWrite(const RotaryKvArgs& a, cudaStream_t stream) {
  if (a.tokens == 0) return cudaSuccess;
  BASALT_DISPATCH_DTYPE(a.dtype, T,
                        { return LaunchKernel(RotaryKvKernel<T>, dim3(static_cast<unsigned>(a.tokens)), dim3(256), 0, stream, a); });
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
