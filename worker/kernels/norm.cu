// RMSNorm, one block per row, float accumulation, rounding where transformers rounds (the normalized
// activations to the model dtype before the weight multiply). Decode-sized batches of pre-norm models
// normalize inside the GEMV instead (gemv.cu), with the same rounding.
#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

template <typename T>
__global__ void RmsNormKernel(T* out, const T* in, const T* weight, int hidden, int64_t in_stride, float eps,
                              bool unit_offset) {
  AllowNextKernel();
  WaitForPreviousKernel();
  __shared__ float scratch[32];
  const T* x = in + blockIdx.x * in_stride;
  float sum = 0.f;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
    const float v = ToFloat(x[i]);
    sum += v * v;
  }
  const float inv = rsqrtf(BlockSum(sum, scratch) / hidden + eps);
  T* y = out + static_cast<int64_t>(blockIdx.x) * hidden;
  for (int i = threadIdx.x; i < hidden; i += blockDim.x) {
    const float w = ToFloat(weight[i]);
    if (unit_offset) {  // Gemma: (x * inv) * (1 + w), all in float, rounded once
      y[i] = FromFloat<T>(ToFloat(x[i]) * inv * (1.f + w));
    } else {            // Llama: w * (x * inv rounded to T)
      y[i] = FromFloat<T>(w * Round<T>(ToFloat(x[i]) * inv));
    }
  }
}

int ThreadsFor(int hidden) {
  int threads = 32;
  while (threads < hidden / 4 && threads < 1024) threads *= 2;
  return threads;
}

}  // namespace

cudaError_t RmsNorm(void* out, const void* in, const void* weight, int64_t rows, int hidden, int64_t in_stride,
                    float eps, bool unit_offset, DataType dtype, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  BASALT_DISPATCH_DTYPE(dtype, T, {
    return LaunchKernel(RmsNormKernel<T>, dim3(static_cast<unsigned>(rows)), dim3(ThreadsFor(hidden)), 0, stream,
                        static_cast<T*>(out), static_cast<const T*>(in), static_cast<const T*>(weight), hidden,
                        in_stride, eps, unit_offset);
  });
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
