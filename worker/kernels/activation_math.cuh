#pragma once
// The activation functions of the gated MLPs, shared by the standalone kernel and the GEMV epilogue.
#include "worker/kernels/kernels.h"

namespace basalt::kernels {

__device__ __forceinline__ float Silu(float x) { return x / (1.f + __expf(-x)); }
__device__ __forceinline__ float GeluTanh(float x) {
  const float k = 0.7978845608028654f;  // sqrt(2 / pi)
  return 0.5f * x * (1.f + tanhf(k * (x + 0.044715f * x * x * x)));
}
__device__ __forceinline__ float Gelu(float x) { return 0.5f * x * (1.f + erff(x * 0.7071067811865476f)); }

__device__ __forceinline__ float Activate(GatedActivation act, float x) {
  switch (act) {
    case GatedActivation::kSilu: return Silu(x);
    case GatedActivation::kGeluTanh: return GeluTanh(x);
    case GatedActivation::kGelu: return Gelu(x);
  }
  return x;
}

}  // namespace basalt::kernels
