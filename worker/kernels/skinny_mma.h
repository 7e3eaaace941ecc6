#pragma once
// The tensor-core form of Gemv for 5-64 rows (skinny_mma.cu), chosen by Gemv itself.
#include "worker/kernels/kernels.h"

namespace basalt::kernels {

// 16-bit weights and activations, m <= 64, k a multiple of 8; BASALT_SKINNY_MMA=0 turns it off (cuBLAS
// and the unfused operations instead: the baseline for measurements). Shape rules of the epilogues and
// alignment are GemvSupports'.
bool SkinnyMmaSupports(const GemvArgs& args);
cudaError_t SkinnyMma(const GemvArgs& args, cudaStream_t stream);

}  // namespace basalt::kernels
