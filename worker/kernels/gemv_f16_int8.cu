// The GEMV for __half activations with int8 weights: one translation unit per instance set
// (gemv_kernel.cuh).
#include "worker/kernels/gemv_kernel.cuh"

namespace basalt::kernels::gemv {
template cudaError_t GemvRows<__half, int8_t>(const GemvArgs& a, cudaStream_t stream);
}  // namespace basalt::kernels::gemv
