// The GEMV for __nv_bfloat16 activations with the same dtype weights: one translation unit per instance set
// (gemv_kernel.cuh).
#include "worker/kernels/gemv_kernel.cuh"

namespace basalt::kernels::gemv {
template cudaError_t GemvRows<__nv_bfloat16, __nv_bfloat16>(const GemvArgs& a, cudaStream_t stream);
}  // namespace basalt::kernels::gemv
