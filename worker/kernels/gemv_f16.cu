// The GEMV for __half activations with the same dtype weights: one translation unit per instance set
// (gemv_kernel.cuh).
#include "worker/kernels/gemv_kernel.cuh"

namespace basalt::kernels::gemv {
template cudaError_t GemvRows<__half, __half>(const GemvArgs& a, cudaStream_t stream);
}  // namespace basalt::kernels::gemv
