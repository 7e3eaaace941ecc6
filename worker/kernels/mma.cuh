#pragma once
// Warp-level tensor-core products (mma.sync m16n8k16, 16-bit operands, float accumulators; sm_80 and
// later) and the register packing around them. Fragment layout, with g = lane / 4 and t = lane % 4:
//   A (16 x 16, rows x k):  a[0] = (row g,     k 2t, 2t+1)   a[1] = (row g + 8, k 2t, 2t+1)
//                           a[2] = (row g,     k 2t+8, 2t+9) a[3] = (row g + 8, k 2t+8, 2t+9)
//   B (16 x 8, k x cols):   b[0] = (k 2t, 2t+1, col g)       b[1] = (k 2t+8, 2t+9, col g)
//   C (16 x 8, float):      c[0], c[1] = (row g, cols 2t, 2t+1)   c[2], c[3] = (row g + 8, cols 2t, 2t+1)
// A product over k does not care which physical k sits in which logical slot as long as A and B agree.
// The kernels use that: a thread's four k slots of a step are four consecutive elements of a 16-byte
// chunk it loads itself (KSlots below), so operands come straight from global memory in 16-byte loads
// instead of through shared memory.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "worker/kernels/dtype_utils.cuh"

namespace basalt::kernels {

template <typename T>
__device__ __forceinline__ void Mma16816(float* c, const uint32_t* a, const uint32_t* b);

template <>
__device__ __forceinline__ void Mma16816<__nv_bfloat16>(float* c, const uint32_t* a, const uint32_t* b) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

template <>
__device__ __forceinline__ void Mma16816<__half>(float* c, const uint32_t* a, const uint32_t* b) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};"
      : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

// The 16-byte chunk of row `row` of a [rows, k] operand at k offset kk, zero past `rows` or k. For x of
// the skinny products, the previous kernel's output: a coherent load cached in L1 (ld.global.ca), not the
// read-only path, which may take its data as unchanging for the kernel's whole life; under programmatic
// launch that life includes the previous kernel's last writes. Read with __ldg, x gave wrong gemma prefill
// logits in 3 of 3 runs of the cluster form with programmatic launch, none with BASALT_PDL=0; with
// __ldcg 5 of 5 runs passed. Measured at 8 rows in the one-block form (H200, qkv / o / gate_up / down /
// LM head, us): __ldg 5.5 / 4.2 / 16.9 / 8.3 / 42.2, ld.global.ca 6.0 / 4.4 / 16.7 / 9.0 / 41.9,
// ld.global.cg 6.8 / 4.9 / 19.1 / 10.0 / 50.1 (the blocks of a multiprocessor share x through L1).
template <typename T>
__device__ __forceinline__ uint4 LoadRowChunk(const T* __restrict__ x, int row, int rows, int k, int kk) {
  return row < rows && kk < k ? __ldca(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(row) * k + kk))
                              : make_uint4(0, 0, 0, 0);
}

// Two floats as one register of two 16-bit values (lo first), rounded to nearest.
template <typename T>
__device__ __forceinline__ uint32_t PackPair(float lo, float hi);
template <>
__device__ __forceinline__ uint32_t PackPair<__nv_bfloat16>(float lo, float hi) {
  __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}
template <>
__device__ __forceinline__ uint32_t PackPair<__half>(float lo, float hi) {
  __half2 v = __floats2half2_rn(lo, hi);
  return *reinterpret_cast<uint32_t*>(&v);
}

// The 16-bit values of a PackPair register back as floats.
template <typename T>
__device__ __forceinline__ float LowFloat(uint32_t v) {
  const T* h = reinterpret_cast<const T*>(&v);
  return ToFloat(h[0]);
}
template <typename T>
__device__ __forceinline__ float HighFloat(uint32_t v) {
  const T* h = reinterpret_cast<const T*>(&v);
  return ToFloat(h[1]);
}

// The low (or high) 16-bit halves of two registers as one register: (a.lo, b.lo) or (a.hi, b.hi).
__device__ __forceinline__ uint32_t LowHalves(uint32_t a, uint32_t b) { return __byte_perm(a, b, 0x5410); }
__device__ __forceinline__ uint32_t HighHalves(uint32_t a, uint32_t b) { return __byte_perm(a, b, 0x7632); }

// 32-bit word w (two 16-bit values) of a 16-byte chunk.
__device__ __forceinline__ uint32_t Word(const uint4& chunk, int w) {
  return w == 0 ? chunk.x : w == 1 ? chunk.y : w == 2 ? chunk.z : chunk.w;
}
// The k slots of two consecutive steps held in one 16-byte chunk (8 values) of a row: step 2u + h takes
// words 2h and 2h + 1 of chunk u as its (2t, 2t+1) and (2t+8, 2t+9) pairs.
__device__ __forceinline__ uint32_t KSlotLow(const uint4& chunk, int half) { return Word(chunk, 2 * half); }
__device__ __forceinline__ uint32_t KSlotHigh(const uint4& chunk, int half) { return Word(chunk, 2 * half + 1); }

}  // namespace basalt::kernels
