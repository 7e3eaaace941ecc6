#pragma once
// The tensor-core form of Gemv for 5-64 rows (skinny_mma.cu), chosen by Gemv itself.
#include "worker/kernels/kernels.h"

namespace basalt::kernels {

// 16-bit weights and activations, m <= 64, k a multiple of 8, no norm prologue, and the mode's shapes:
// kMeasured takes m <= 16, where serving measured faster with it than with cuBLAS on an H200 (2026-12-02,
// TinyLlama shape, same run: 8 streams 5012 -> 5423 tok/s, 16 streams 9584 -> 9972); at 17-64 rows it is
// slower (32 streams 18190 -> 14254), see worker/kernels/NOTES.md. Shape rules of the epilogues and
// alignment are GemvSupports'.
bool SkinnyMmaSupports(const GemvArgs& args);
cudaError_t SkinnyMma(const GemvArgs& args, cudaStream_t stream);

// The cluster form for 17-64 rows (skinny_cluster_mma.cu), which SkinnyMma takes where the GPU has
// thread-block clusters (ClustersSupported, launch.cuh): 1.2-1.5x faster than the one-block form there,
// still slower than cuBLAS (2026-12-03, H200). BASALT_SKINNY_MMA_ROWS=N moves kMeasured's limit (the
// same-run baseline for a new one).
cudaError_t SkinnyClusterMma(const GemvArgs& args, cudaStream_t stream);

}  // namespace basalt::kernels
