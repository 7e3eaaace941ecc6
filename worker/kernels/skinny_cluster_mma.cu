// The skinny product for 17-64 rows of x on Hopper: y[m, n] = epilogue(x[m, k] W[n, k]^T) by thread-block
// clusters that share 32 rows of W and split k, so that each block reads only its share of x.
// Why: the one-block form (skinny_mma.cu) gives a block 8 rows of W and the whole of k, so every block
// reads all of x: at 32 rows 4x the bytes of the block's W. Here:
// - a cluster of 2 blocks owns 32 rows of W (4 n8 tiles); its 16 warps split k, warp q of the cluster
//   (rank * 8 + warp) taking the 32-value steps q, q + 16, ... The grid has one block per 16 rows of W.
// - a step's operands come straight from global memory (mma.cuh's k-slot trick): per thread one 16-byte
//   chunk of row g of each n tile and of x rows g, g + 8 of each m tile. A round's W is requested before
//   the dependency wait (launch.cuh), its x right after.
// - the block's 8 warps add their sums in shared memory in a fixed order, a few warps at a time (the
//   small shared-memory split holds two blocks: launch.cuh); after a cluster barrier, block `rank` adds
//   its 16 rows over the cluster's blocks, read from their shared memory in rank order, and finishes them
//   as row tile blockIdx.x of 16 rows (RowOfTile<16>, ApplyEpilogue). Results do not depend on timing.
// Measured (H200, kernel bench, 32 rows; qkv / o / gate_up / down / LM head): 8.6 / 8.3 / 26.4 / 15.5 / 68
// us against the one-block form's 11.2 / 9.9 / 36.9 / 18.2 / 102 and clusters of 4's 11.2 / 9.9 / 36.5 /
// 18.0 / 101, but cuBLAS takes 6.4 / 6.3 / 14.1 / 11.2 / 34.8: serving keeps cuBLAS above 16 rows
// (skinny_mma.h). Under ncu the kernel moves 14% of DRAM bandwidth at 24% occupancy: it is latency-bound
// (each block loads, multiplies, reduces and finishes in turn), not bound by x's bytes.
#include <cooperative_groups.h>

#include <cstdint>

#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/gemv_epilogue.cuh"
#include "worker/kernels/launch.cuh"
#include "worker/kernels/mma.cuh"
#include "worker/kernels/skinny_mma.h"

namespace basalt::kernels {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kTiles = 4;                       // n8 tiles of W per cluster
constexpr int kClusterBlocks = 2;               // blocks per cluster (measured against 4: worker/kernels/NOTES.md)
constexpr int kTileRows = 8;
constexpr int kClusterRows = kTiles * kTileRows;  // rows of W per cluster
constexpr int kStep = 32;                       // k values of one warp step: 4 threads (t = lane % 4) x 8 values

// MT m tiles of 16 rows of x. kUnroll: steps of a warp whose operands are in registers at once (the
// accumulators take MT * 16 registers). kSlots: warps whose sums are in shared memory at once, each
// 32 rows of W x MT * 16 rows of x in floats (4 KB at MT = 2).
template <int MT>
struct ClusterShape {
  static constexpr int kUnroll = MT <= 2 ? 2 : 1;
  static constexpr int kSlots = MT <= 2 ? 2 : 1;
};

// The cluster's blocks split k; block `rank` finishes the cluster's rows rank * R .. (rank + 1) * R - 1,
// R = 32 / kClusterBlocks, as row tile blockIdx.x of R rows (RowOfTile<R>).
template <typename T, int MT>
__global__ void __launch_bounds__(kThreads, 2) SkinnyClusterMmaKernel(const GemvArgs a, int pair) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  namespace cg = cooperative_groups;
  constexpr int kUnroll = ClusterShape<MT>::kUnroll, kSlots = ClusterShape<MT>::kSlots;
  constexpr int kRows = MT * 16;
  constexpr int C = kClusterBlocks;
  constexpr int R = kClusterRows / C;  // rows a block finishes
  constexpr int kWorkers = C * kWarps;  // warps that split k
  AllowNextKernel();
  cg::cluster_group cluster = cg::this_cluster();
  const int rank = static_cast<int>(cluster.block_rank());
  const int n = a.n, k = a.k, m = a.m;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int worker = rank * kWarps + warp;
  const int first_tile = (blockIdx.x / C) * C;  // row tile (of R rows) of the cluster's first block
  const T* __restrict__ x = static_cast<const T*>(a.x);
  const T* __restrict__ w = static_cast<const T*>(a.w);
  int64_t w_row[kTiles];  // this thread's row g of each n tile, clamped to W (rows past n are not stored)
#pragma unroll
  for (int j = 0; j < kTiles; ++j) {
    const int q = j * kTileRows + g;  // row of the cluster's 32
    w_row[j] = static_cast<int64_t>(min(RowOfTile<R>(first_tile + q / R, q % R, pair), n - 1)) * k;
  }

  float acc[MT][kTiles][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt)
#pragma unroll
    for (int j = 0; j < kTiles; ++j) acc[mt][j][0] = acc[mt][j][1] = acc[mt][j][2] = acc[mt][j][3] = 0.f;

  // Steps are warp-uniform (mma.sync needs the whole warp); a thread's chunk past k loads zeros.
  const int steps = (k + kStep - 1) / kStep;
  bool waited = false;
  for (int first = worker; first < steps; first += kUnroll * kWorkers) {
    auto chunk_k = [&](int u) { return (first + u * kWorkers) * kStep + t * 8; };
    uint4 wv[kUnroll][kTiles];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
#pragma unroll
      for (int j = 0; j < kTiles; ++j) {
        const int kk = chunk_k(u);
        wv[u][j] = kk < k ? __ldcs(reinterpret_cast<const uint4*>(w + w_row[j] + kk)) : make_uint4(0, 0, 0, 0);
      }
    // Weights are never written by a kernel: they go out before waiting for x (launch.cuh).
    if (!waited) {
      WaitForPreviousKernel();
      waited = true;
    }
    uint4 xv[kUnroll][MT][2];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u)
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int h = 0; h < 2; ++h)
          xv[u][mt][h] = LoadRowChunk(x, mt * 16 + g + 8 * h, m, k, chunk_k(u));  // rows g, g + 8 of tile mt
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      if (first + u * kWorkers >= steps) break;
#pragma unroll
      for (int half = 0; half < 2; ++half)
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          const uint32_t af[4] = {KSlotLow(xv[u][mt][0], half), KSlotLow(xv[u][mt][1], half),
                                  KSlotHigh(xv[u][mt][0], half), KSlotHigh(xv[u][mt][1], half)};
#pragma unroll
          for (int j = 0; j < kTiles; ++j) {
            const uint32_t bf[2] = {KSlotLow(wv[u][j], half), KSlotHigh(wv[u][j], half)};
            Mma16816<T>(acc[mt][j], af, bf);
          }
        }
    }
  }
  if (!waited) WaitForPreviousKernel();  // a warp with no step still writes results below

  // The block's sum: warps take turns of kSlots, turn 0 storing, the later ones adding, always in warp
  // order. Entry ((j * 8 + r) * kRows + i): W row r of n tile j times x row i. c[0], c[1] of an
  // accumulator are x row g, W rows 2t, 2t + 1; c[2], c[3] x row g + 8.
  __shared__ float slot[kSlots][kClusterRows * kRows];
  for (int turn = 0; turn < kWarps / kSlots; ++turn) {
    if (warp / kSlots == turn) {
      float* mine = slot[warp % kSlots];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int j = 0; j < kTiles; ++j)
#pragma unroll
          for (int c = 0; c < 4; ++c) {
            const int e = (j * kTileRows + 2 * t + (c & 1)) * kRows + mt * 16 + g + (c >= 2 ? 8 : 0);
            mine[e] = turn == 0 ? acc[mt][j][c] : mine[e] + acc[mt][j][c];
          }
    }
    __syncthreads();
  }
  // This block's R rows over the cluster's blocks, in rank order, into ApplyEpilogue's layout.
  __shared__ float result[R * kRows];
  cluster.sync();
  for (int item = threadIdx.x; item < R * m; item += kThreads) {
    const int r = item / m, i = item % m, e = (rank * R + r) * kRows + i;
    float sum = 0.f;
#pragma unroll
    for (int b = 0; b < C; ++b)
#pragma unroll
      for (int s = 0; s < kSlots; ++s) sum += cluster.map_shared_rank(&slot[s][0], b)[e];
    result[r * m + i] = sum;
  }
  // The others may still read this block's slots: it leaves only once all have read (arrive now, wait last).
  asm volatile("barrier.cluster.arrive.release.aligned;" ::: "memory");
  ApplyEpilogue<T, R>(a, pair, result, m);
  asm volatile("barrier.cluster.wait.acquire.aligned;" ::: "memory");
#else
  __trap();  // launched only where ClustersSupported(); a build without sm_90 code has none
#endif
}

template <typename T, int MT>
cudaError_t Launch(const GemvArgs& a, cudaStream_t stream) {
  const int clusters = (a.n + kClusterRows - 1) / kClusterRows;
  return LaunchKernelEx(SkinnyClusterMmaKernel<T, MT>, dim3(clusters * kClusterBlocks), dim3(kThreads), 0, stream,
                        kClusterBlocks, SharedMemoryCarveout(), a, PairOffset(a));
}

template <typename T>
cudaError_t DispatchRows(const GemvArgs& a, cudaStream_t stream) {
  return a.m <= 32 ? Launch<T, 2>(a, stream) : Launch<T, 4>(a, stream);
}

}  // namespace

cudaError_t SkinnyClusterMma(const GemvArgs& a, cudaStream_t stream) {
  if (a.m < 17 || a.m > 64) return cudaErrorInvalidValue;
  if (a.dtype == DataType::kBFloat16) return DispatchRows<__nv_bfloat16>(a, stream);
  if (a.dtype == DataType::kFloat16) return DispatchRows<__half>(a, stream);
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
