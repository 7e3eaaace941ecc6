// Skinny matrix products for decode steps: y[M, N] = x[M, K] W[N, K]^T (* scale[N]) (+ bias) with M <= 8,
// with the small operations around a projection fused in (see GemvArgs). At such M the product is one pass
// over the weights, so the kernel is built for bytes in flight:
//
// - a block of 128 threads owns R output rows and splits K among all its threads (split-K inside the
//   block): each thread streams 16-byte chunks of the R rows, U chunks per row before it uses any, so
//   R * U loads are outstanding per thread; partial sums meet in a warp reduction, then in shared memory.
// - a row of 2048 bf16 values is 256 chunks: 128 threads with U = 2 read it in one round of loads, and a
//   2048-row matrix gives 1024 blocks, about 8 per SM. Measured on an H100 in a CUDA graph at M = 1
//   (basalt-kernel-bench, 2026-11-25): 2.5-3.1 TB/s on the TinyLlama shapes, 1.1-1.9x faster than cuBLAS;
//   at M = 8 cuBLAS is ~20% faster, so dtype weights stop at M = 4 (int8 weights keep the kernel up to 8).
// - weights are read with an evict-first hint (each byte is used once per step); x with the read-only
//   path (every block reads all of it).
//
// Fusions, each of which removes a kernel of a few microseconds per layer (worker/kernels/NOTES.md):
// - RMSNorm prologue: every block computes the norm of the (short) residual rows itself, from L2, and
//   normalizes x as it streams it; nothing is written, so blocks need no coordination.
// - Epilogues: add into the residual stream (a block owns whole output rows, so the in-place update is
//   race-free); act(gate) * up and rotary embedding + KV cache write, for which a block owns *pairs* of
//   rows (gate row i with up row i + n/2; rotary half i of a head with half i + head_dim/2).
//
// The same kernel streams int8 weights (--quantization int8): a 16-byte load is 16 weights, widened to
// float in registers, and the row's scale multiplies the finished sum (scale * sum(q x) = sum((q scale) x)).
#include <cstdint>
#include <type_traits>

#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/gemv_epilogue.cuh"
#include "worker/kernels/int8_utils.cuh"
#include "worker/kernels/launch.cuh"
#include "worker/kernels/skinny_mma.h"

namespace basalt::kernels {
namespace {

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 32;

// 1 / RMS of each of the M rows of x [M, k] (every thread gets all M).
template <typename T, int M>
__device__ __forceinline__ void InverseRms(const T* __restrict__ x, int k, float eps, float* inv) {
  constexpr int kVec = 16 / sizeof(T);
  __shared__ float sums[kWarps][M];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
#pragma unroll
  for (int m = 0; m < M; ++m) {
    float s = 0.f;
    for (int i = threadIdx.x * kVec; i < k; i += kThreads * kVec) {
      float f[kVec];
      Widen<T>(__ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k + i)), f);
#pragma unroll
      for (int j = 0; j < kVec; ++j) s = fmaf(f[j], f[j], s);
    }
    s = WarpSum(s);
    if (lane == 0) sums[warp][m] = s;
  }
  __syncthreads();
#pragma unroll
  for (int m = 0; m < M; ++m) {
    float total = 0.f;
#pragma unroll
    for (int i = 0; i < kWarps; ++i) total += sums[i][m];
    inv[m] = rsqrtf(total / k + eps);
  }
}

// As the RmsNorm kernel rounds: Llama w * round(x * inv); Gemma (x * inv) * (1 + w) rounded once.
template <typename T>
__device__ __forceinline__ float Normalize(float x, float inv, float w, bool unit_offset) {
  return unit_offset ? Round<T>(x * inv * (1.f + w)) : Round<T>(w * Round<T>(x * inv));
}

// T: activations, bias and output; W: weights (T, or int8 with `scale`); M: rows of x; R: rows of W per
// block (RowOf); kUnroll: chunks of each row loaded before any is used; kNorm: the RMSNorm prologue;
// kNormedOut: the first block also writes the normalized x (GemvArgs::normed_out; a template flag because
// its stores cost the other instances registers).
// Blocks per multiprocessor the register budget must allow at one row of x (the counts the kernel had
// before its epilogue operands moved early): bytes in flight are what the kernel is for. The LM head's
// form (kNormedOut) takes 6: at 8 it spilled in its main loop, and its 8000 blocks run in waves anyway.
template <int M, int R, int kUnroll, bool kNormedOut>
constexpr int MinBlocks() {
  return M > 1 ? 1 : kNormedOut ? 6 : (R == 2 && kUnroll == 2 ? 10 : 8);
}

template <typename T, typename W, int M, int R, int kUnroll, bool kNorm, bool kNormedOut = false>
__global__ void __launch_bounds__(kThreads, (MinBlocks<M, R, kUnroll, kNormedOut>())) GemvKernel(const GemvArgs a, int pair) {
  constexpr int kPerLoad = 16 / sizeof(W);              // weights per 16-byte load
  constexpr int kXPerLoad = 16 / sizeof(T);             // x values per 16-byte load
  constexpr int kXLoads = kPerLoad / kXPerLoad;         // x loads per weight load
  constexpr int kStride = kThreads * kPerLoad;          // K covered by one load of every thread
  AllowNextKernel();
  const int n = a.n, k = a.k;
  const T* __restrict__ x = static_cast<const T*>(a.x);
  const T* __restrict__ norm_weight = static_cast<const T*>(a.norm_weight);

  const W* rows[R];
#pragma unroll
  for (int r = 0; r < R; ++r) rows[r] = static_cast<const W*>(a.w) + static_cast<int64_t>(min(RowOf<R>(r, pair), n - 1)) * k;

  float acc[R][M];
#pragma unroll
  for (int r = 0; r < R; ++r)
#pragma unroll
    for (int m = 0; m < M; ++m) acc[r][m] = 0.f;

  // Every thread runs the same number of rounds (loads past k are masked), so the prologue's barrier in
  // round 0 is reached by all. The first weight loads are issued before waiting for the kernel that
  // produces x (launch.cuh).
  // The epilogue's operands, loaded as early as each may be (or after the reduction, as the baseline).
  __shared__ EpilogueOperands<R * M> early;
  T* __restrict__ normed_out = kNormedOut && blockIdx.x == 0 ? static_cast<T*>(a.normed_out) : nullptr;

  float inv[M];
  const int rounds = (k + kStride * kUnroll - 1) / (kStride * kUnroll);
  for (int round = 0; round < rounds; ++round) {
    const int base = round * kStride * kUnroll + threadIdx.x * kPerLoad;
    uint4 wv[kUnroll][R];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k0 = base + u * kStride;
#pragma unroll
      for (int r = 0; r < R; ++r) {
        wv[u][r] = k0 < k ? __ldcs(reinterpret_cast<const uint4*>(rows[r] + k0)) : make_uint4(0, 0, 0, 0);
      }
    }
    if (round == 0) {
      if (a.early_epilogue_operands) LoadRotaryOperands<T, R>(a, pair, M, early);
      WaitForPreviousKernel();
      if (a.early_epilogue_operands) LoadResidualOperand<T, R>(a, pair, M, early);
      if constexpr (kNorm) InverseRms<T, M>(x, k, a.norm_eps, inv);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int k0 = base + u * kStride;
      if (k0 >= k) break;
      float wf[R][kPerLoad];
#pragma unroll
      for (int r = 0; r < R; ++r) Widen<W>(wv[u][r], wf[r]);
      float nw[kPerLoad];
      if constexpr (kNorm) {
#pragma unroll
        for (int c = 0; c < kXLoads; ++c) {
          Widen<T>(__ldg(reinterpret_cast<const uint4*>(norm_weight + k0 + c * kXPerLoad)), nw + c * kXPerLoad);
        }
      }
#pragma unroll
      for (int m = 0; m < M; ++m) {
        float xf[kPerLoad];
#pragma unroll
        for (int c = 0; c < kXLoads; ++c) {
          const uint4 xv = __ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(m) * k + k0 + c * kXPerLoad));
          Widen<T>(xv, xf + c * kXPerLoad);
        }
        if constexpr (kNorm) {
#pragma unroll
          for (int j = 0; j < kPerLoad; ++j) xf[j] = Normalize<T>(xf[j], inv[m], nw[j], a.norm_unit_offset);
          if (kNormedOut && normed_out != nullptr) {
#pragma unroll
            for (int j = 0; j < kPerLoad; ++j) normed_out[static_cast<int64_t>(m) * k + k0 + j] = FromFloat<T>(xf[j]);
          }
        }
#pragma unroll
        for (int r = 0; r < R; ++r) {
#pragma unroll
          for (int j = 0; j < kPerLoad; ++j) acc[r][m] = fmaf(wf[r][j], xf[j], acc[r][m]);
        }
      }
    }
  }

  __shared__ float partial[kWarps][R * M];
  __shared__ float result[R * M];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
#pragma unroll
  for (int r = 0; r < R; ++r) {
#pragma unroll
    for (int m = 0; m < M; ++m) {
      const float s = WarpSum(acc[r][m]);
      if (lane == 0) partial[warp][r * M + m] = s;
    }
  }
  __syncthreads();
  if (threadIdx.x < R * M) {
    float sum = 0.f;
#pragma unroll
    for (int i = 0; i < kWarps; ++i) sum += partial[i][threadIdx.x];
    result[threadIdx.x] = sum;
  }
  if (!a.early_epilogue_operands) {
    LoadRotaryOperands<T, R>(a, pair, M, early);
    LoadResidualOperand<T, R>(a, pair, M, early);
  }
  ApplyEpilogue<T, R, R * M>(a, pair, result, M, nullptr, &early);
}

// Large N has blocks enough to fill the GPU with 4 rows each (fewer, longer-lived blocks); small N takes
// 2 so that a 2048-row matrix still spreads over all SMs. Rows of 2048 16-bit values are one round of
// loads at 2 chunks per row; longer rows (the down projection's 5632) take 4, so that most of a block's
// weights are requested before the dependency wait rather than a third of them.
template <typename T, typename W, int M, bool kNorm, bool kNormedOut = false>
cudaError_t LaunchGemv(const GemvArgs& a, cudaStream_t stream) {
  const int pair = PairOffset(a);
  if (a.n >= 8192) {
    return LaunchKernel(GemvKernel<T, W, M, 4, 2, kNorm, kNormedOut>, dim3((a.n + 3) / 4), dim3(kThreads), 0, stream, a, pair);
  }
  if (a.k > kThreads * (16 / static_cast<int>(sizeof(W))) * 2) {
    return LaunchKernel(GemvKernel<T, W, M, 2, 4, kNorm, kNormedOut>, dim3((a.n + 1) / 2), dim3(kThreads), 0, stream, a, pair);
  }
  return LaunchKernel(GemvKernel<T, W, M, 2, 2, kNorm, kNormedOut>, dim3((a.n + 1) / 2), dim3(kThreads), 0, stream, a, pair);
}

template <typename T, typename W, int M>
cudaError_t LaunchGemv(const GemvArgs& a, cudaStream_t stream) {
  if (a.norm_weight == nullptr) return LaunchGemv<T, W, M, false>(a, stream);
  if constexpr (std::is_same_v<T, W>) {  // the LM head's form (dtype weights only: GemvSupports)
    if (a.normed_out != nullptr) return LaunchGemv<T, W, M, true, true>(a, stream);
  }
  return LaunchGemv<T, W, M, true>(a, stream);
}

template <typename T>
cudaError_t DispatchRows(const GemvArgs& a, cudaStream_t stream) {
  if (a.int8_weights) {
    switch (a.m) {
      case 1: return LaunchGemv<T, int8_t, 1>(a, stream);
      case 2: return LaunchGemv<T, int8_t, 2>(a, stream);
      case 3: return LaunchGemv<T, int8_t, 3>(a, stream);
      case 4: return LaunchGemv<T, int8_t, 4>(a, stream);
      case 5: return LaunchGemv<T, int8_t, 5>(a, stream);
      case 6: return LaunchGemv<T, int8_t, 6>(a, stream);
      case 7: return LaunchGemv<T, int8_t, 7>(a, stream);
      case 8: return LaunchGemv<T, int8_t, 8>(a, stream);
    }
    return cudaErrorInvalidValue;
  }
  switch (a.m) {
    case 1: return LaunchGemv<T, T, 1>(a, stream);
    case 2: return LaunchGemv<T, T, 2>(a, stream);
    case 3: return LaunchGemv<T, T, 3>(a, stream);
    case 4: return LaunchGemv<T, T, 4>(a, stream);
  }
  return cudaErrorInvalidValue;
}

bool Aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

}  // namespace

// Up to 4 rows: at 8, cuBLAS was ~20% faster on the TinyLlama shapes (H100, in a graph); int8 weights
// keep the kernel up to 8 rows, where dequantizing for cuBLAS costs more. 16-bit weights take the
// tensor-core form (skinny_mma.cu) from 5 to 64 rows.
bool GemvSupports(const GemvArgs& a) {
  const int element = a.dtype == DataType::kFloat32 ? 4 : 2;
  const int vec = a.int8_weights ? 16 : 16 / element;  // values per 16-byte load of w (and of x)
  const bool gemv_rows = a.m >= 1 && a.m <= (a.int8_weights ? 8 : 4);
  if (!gemv_rows && !SkinnyMmaSupports(a)) return false;
  if (a.float_output && a.epilogue != GemvEpilogue::kStore) return false;
  if (a.normed_out != nullptr && (!gemv_rows || a.norm_weight == nullptr || a.int8_weights)) return false;
  if (a.n < 1 || a.k < 1 || a.k % vec != 0) return false;
  if (!Aligned16(a.x) || !Aligned16(a.w) || (a.int8_weights && a.scale == nullptr)) return false;
  if (a.norm_weight != nullptr && !Aligned16(a.norm_weight)) return false;
  switch (a.epilogue) {
    case GemvEpilogue::kStore:
    case GemvEpilogue::kAddInto: return true;
    case GemvEpilogue::kGatedAct: return a.n % 2 == 0;
    case GemvEpilogue::kRotaryCache: {
      const RotaryKvArgs& r = a.rotary;
      return r.head_dim % 2 == 0 && a.n == (r.num_heads + 2 * r.num_kv_heads) * r.head_dim && !r.interleaved &&
             (r.rotary_dim == 0 || (r.rotary_dim == r.head_dim && r.inv_freq != nullptr)) &&
             r.positions != nullptr && r.slot_mapping != nullptr;
    }
  }
  return false;
}

cudaError_t Gemv(const GemvArgs& a, cudaStream_t stream) {
  if (!GemvSupports(a)) return cudaErrorInvalidValue;
  if (a.m > (a.int8_weights ? 8 : 4)) return SkinnyMma(a, stream);
  BASALT_DISPATCH_DTYPE(a.dtype, T, { return DispatchRows<T>(a, stream); });
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
