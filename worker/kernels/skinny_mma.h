#pragma once
// The tensor-core form of Gemv for 5-64 rows (skinny_mma.cu), chosen by Gemv itself.
#include "worker/kernels/kernels.h"

namespace basalt::kernels {

// 16-bit weights and activations, m <= 64, k a multiple of 8, and BASALT_SKINNY_MMA=1: off by default,
// since on an H200 (2026-12-01) it ran 2-10x slower than cuBLAS at 8-64 rows on the TinyLlama shapes
// (worker/kernels/NOTES.md); cuBLAS and the unfused operations serve those batches. Shape rules of the
// epilogues and alignment are GemvSupports'.
bool SkinnyMmaSupports(const GemvArgs& args);
cudaError_t SkinnyMma(const GemvArgs& args, cudaStream_t stream);

}  // namespace basalt::kernels
