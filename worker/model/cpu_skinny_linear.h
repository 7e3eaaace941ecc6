#pragma once
// A few rows of activations times a weight matrix on the CPU, in one pass over the weight: the shape of
// every decode step. OpenBLAS's sgemm packs the whole weight on each call at these shapes (perf on the CPU
// worker: 34-52% of the time in sgemm_incopy), so a decode step costs about three passes over the model;
// this kernel reads each weight row once for all rows of x (measurements in the .cc and in layers.cc).
// Weights in float32 or in int8 with a float32 scale per row (--quantization int8). Compiled for AVX-512,
// AVX2+FMA and baseline x86-64 (the loader picks).
#include <ATen/ATen.h>

namespace basalt::model {

inline constexpr int64_t kCpuSkinnyMaxRows = 8;

// x [m, k] (m in 1..kCpuSkinnyMaxRows; any floating dtype, computed in float32) times weight [n, k]
// (float32, or int8 with `scale` [n]) plus bias [n] (or undefined): [m, n] float32. CPU tensors.
at::Tensor CpuSkinnyLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& scale,
                           const at::Tensor& bias);

}  // namespace basalt::model
