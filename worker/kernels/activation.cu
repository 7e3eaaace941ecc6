// Gated activations act(gate) * up over the fused gate_up projection, rounded like transformers (the
// activation's output in the model dtype, then the product).
#include "worker/kernels/activation_math.cuh"
#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

template <typename T, GatedActivation kAct>
__global__ void GatedActKernel(T* out, const T* x, int inter) {
  AllowNextKernel();
  WaitForPreviousKernel();
  const int64_t token = blockIdx.y;
  const T* gate = x + token * 2 * inter;
  const T* up = gate + inter;
  T* y = out + token * inter;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < inter; i += gridDim.x * blockDim.x) {
    const float g = ToFloat(gate[i]);
    const float a = kAct == GatedActivation::kSilu ? Silu(g) : kAct == GatedActivation::kGeluTanh ? GeluTanh(g) : Gelu(g);
    y[i] = FromFloat<T>(Round<T>(a) * ToFloat(up[i]));
  }
}

}  // namespace

cudaError_t GatedAct(void* out, const void* x, int64_t tokens, int inter, GatedActivation act, DataType dtype,
                     cudaStream_t stream) {
  if (tokens == 0) return cudaSuccess;
  const int threads = 256;
  const dim3 grid(static_cast<unsigned>((inter + threads - 1) / threads), static_cast<unsigned>(tokens));
  BASALT_DISPATCH_DTYPE(dtype, T, {
    switch (act) {
      case GatedActivation::kSilu:
        return LaunchKernel(GatedActKernel<T, GatedActivation::kSilu>, grid, dim3(threads), 0, stream,
                            static_cast<T*>(out), static_cast<const T*>(x), inter);
      case GatedActivation::kGeluTanh:
        return LaunchKernel(GatedActKernel<T, GatedActivation::kGeluTanh>, grid, dim3(threads), 0, stream,
                            static_cast<T*>(out), static_cast<const T*>(x), inter);
      case GatedActivation::kGelu:
        return LaunchKernel(GatedActKernel<T, GatedActivation::kGelu>, grid, dim3(threads), 0, stream,
                            static_cast<T*>(out), static_cast<const T*>(x), inter);
    }
  });
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
