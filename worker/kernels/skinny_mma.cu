// Tensor-core skinny products for decode batches of 5-64 rows: y[m, n] = epilogue(x[m, k] W[n, k]^T), with
// the GEMV's epilogues (gemv_epilogue.cuh), so that a small-batch layer runs its rotary, activation and
// residual add inside its projections (the RMSNorm stays a kernel of its own: normalizing all of x in each
// of hundreds of blocks would cost more than the kernel boundary it saves). The product is one pass over
// W, so the kernel is built like the GEMV, for bytes in flight, with mma.sync doing the multiply-adds:
// - W is the product's n side and x its m side: a block owns 8 rows of W (one n8 tile; the pair epilogues'
//   rows as RowOf), so a 2048-row matrix gives 256 blocks; x rows fill m16 tiles (5-16 rows: one tile).
// - the block's 8 warps split k: warp w takes every 8th step of 32 k values. In a step each thread loads
//   one 16-byte chunk of its W row g (lane / 4) and of its x rows g and g + 8 of every m tile; the k slots
//   of its mma fragments are that chunk's 8 values (mma.cuh), for A and B alike, so nothing goes through
//   shared memory. 8 steps of W are loaded before any is used: at k = 2048 a block's whole share of W is
//   requested at once, before the dependency wait (launch.cuh), as the GEMV does.
// - x is read by every block (m / 8 times the bytes of W). Up to 32 rows a round's x is loaded into
//   registers at once; loaded one step ahead instead, each step waited one L2 round trip and the kernel
//   ran 1.3-2x slower (H200: 2560 x 2048 at 8 rows 9.0 vs 5.7 us). The warps' sums meet in shared memory in
//   a fixed order, so results do not depend on timing.
// Serving takes it up to 16 rows (skinny_mma.h): there it beats cuBLAS on the small projections (8 rows:
// qkv 5.7 vs 6.4 us, o 4.3 vs 6.3, down 8.4 vs 11.1) and fuses their epilogues, while cuBLAS is faster on
// the 11264-row gate_up (17.2 vs 14.0) and the LM head. The first form of this kernel (64-row tiles of W,
// 4 warps, split k over blocks with a workspace, the norm factored into the product) ran 2-10x slower than
// cuBLAS (worker/kernels/NOTES.md).
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/gemv_epilogue.cuh"
#include "worker/kernels/launch.cuh"
#include "worker/kernels/mma.cuh"
#include "worker/kernels/skinny_mma.h"

namespace basalt::kernels {
namespace {

constexpr int kWarps = 8;
constexpr int kThreads = kWarps * 32;
constexpr int kTileRows = 8;   // rows of W per block: one n8 tile
constexpr int kStep = 32;      // k values of one warp step: 4 threads (t = lane % 4) x 8 values
constexpr int kMaxRows = 64;   // rows of x
constexpr int kMeasuredRows = 16;  // kMeasured's limit (skinny_mma.h)

// Brings the line of row `row` of x at k offset kk into L1 (no register), where it exists.
template <typename T>
__device__ __forceinline__ void PrefetchX(const T* __restrict__ x, int row, int m, int k, int kk) {
  if (row < m && kk < k) asm volatile("prefetch.global.L1 [%0];" ::"l"(x + static_cast<int64_t>(row) * k + kk));
}

// MT: m tiles of 16 rows of x; H: rows g and g + 8 of a tile (2), or row g only (1: m <= 8, so that the
// zero half of the tile takes no registers). kUnroll: steps of a warp whose W is loaded before any is used
// (8 at 16 rows, 4 from 17: the x fragments take the registers). Up to 32 rows all of a round's x goes into
// registers at once after the dependency wait (one L2 round trip per round); from 33 rows that would not
// fit, so the round's x lines are prefetched into L1 and loaded one step ahead of the products (measured
// slower: worker/kernels/NOTES.md). Two blocks per multiprocessor: what the registers allow unspilled.
template <int MT>
__host__ __device__ constexpr int UnrollFor() { return MT == 1 ? 8 : 4; }

template <typename T, int MT, int H>
__global__ void __launch_bounds__(kThreads, 2) SkinnyMmaKernel(const GemvArgs a, int pair) {
  constexpr int kUnroll = UnrollFor<MT>();
  constexpr bool kAtOnce = MT <= 2;
  AllowNextKernel();
  const int n = a.n, k = a.k, m = a.m;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const T* __restrict__ x = static_cast<const T*>(a.x);
  const T* __restrict__ w_row = static_cast<const T*>(a.w) + static_cast<int64_t>(min(RowOf<kTileRows>(g, pair), n - 1)) * k;

  float acc[MT][4];
#pragma unroll
  for (int mt = 0; mt < MT; ++mt) acc[mt][0] = acc[mt][1] = acc[mt][2] = acc[mt][3] = 0.f;
  // The products of one step: W chunk `wc` (B) with the x chunks of every m tile (A).
  auto multiply = [&](const uint4& wc, const uint4 (&xc)[MT][2]) {
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const uint32_t bf[2] = {KSlotLow(wc, half), KSlotHigh(wc, half)};
#pragma unroll
      for (int mt = 0; mt < MT; ++mt) {
        const uint32_t af[4] = {KSlotLow(xc[mt][0], half), H == 2 ? KSlotLow(xc[mt][1], half) : 0u,
                                KSlotHigh(xc[mt][0], half), H == 2 ? KSlotHigh(xc[mt][1], half) : 0u};
        Mma16816<T>(acc[mt], af, bf);
      }
    }
  };
  auto load_x = [&](uint4 (&xc)[MT][2], int kk) {
#pragma unroll
    for (int mt = 0; mt < MT; ++mt) {
      xc[mt][0] = LoadRowChunk(x, mt * 16 + g, m, k, kk);
      xc[mt][1] = H == 2 ? LoadRowChunk(x, mt * 16 + g + 8, m, k, kk) : make_uint4(0, 0, 0, 0);
    }
  };

  // Steps are warp-uniform (mma.sync needs the whole warp); a thread's chunk past k loads zeros.
  const int steps = (k + kStep - 1) / kStep;
  bool waited = false;
  for (int first = warp; first < steps; first += kUnroll * kWarps) {
    // This thread's k offset in the round's step u (warp steps interleave: first, first + kWarps, ...).
    auto chunk_k = [&](int u) { return (first + u * kWarps) * kStep + t * 8; };
    uint4 wv[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int kk = chunk_k(u);
      wv[u] = kk < k ? __ldcs(reinterpret_cast<const uint4*>(w_row + kk)) : make_uint4(0, 0, 0, 0);
    }
    // Weights are never written by a kernel: they go out before waiting for x (launch.cuh).
    if (!waited) {
      WaitForPreviousKernel();
      waited = true;
    }
    if constexpr (kAtOnce) {
      uint4 xs[kUnroll][MT][2];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) load_x(xs[u], chunk_k(u));
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        if (first + u * kWarps >= steps) break;
        multiply(wv[u], xs[u]);
      }
    } else {
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int kk = chunk_k(u);
#pragma unroll
        for (int mt = 0; mt < MT; ++mt)
#pragma unroll
          for (int h = 0; h < H; ++h) PrefetchX(x, mt * 16 + g + 8 * h, m, k, kk);
      }
      uint4 xv[MT][2], next[MT][2];
      load_x(xv, chunk_k(0));
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        if (first + u * kWarps >= steps) break;
        if (u + 1 < kUnroll) load_x(next, chunk_k(u + 1));
        multiply(wv[u], xv);
#pragma unroll
        for (int mt = 0; mt < MT; ++mt) {
          xv[mt][0] = next[mt][0];
          xv[mt][1] = next[mt][1];
        }
      }
    }
  }
  if (!waited) WaitForPreviousKernel();  // a warp with no step still writes results below

  // c[0], c[1]: x row g, W rows 2t, 2t + 1 of the tile; c[2], c[3]: x row g + 8. The warps' sums meet in
  // shared memory in a fixed order (warp w + 4 then w, then warps 0-3), half the warps at a time so that two
  // blocks of 64 rows fit the small shared-memory split (launch.cuh): result[r * m + i] is row r of the tile
  // times x row i (ApplyEpilogue's layout).
  constexpr int kRows = MT * 16;
  constexpr int kHalfWarps = kWarps / 2;
  __shared__ float partial[kHalfWarps][kTileRows * kRows];
  __shared__ float result[kTileRows * kRows];
  for (int turn = 0; turn < 2; ++turn) {
    if ((warp >= kHalfWarps) == (turn == 0)) {
      float* mine = partial[warp % kHalfWarps];
#pragma unroll
      for (int mt = 0; mt < MT; ++mt)
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int r = 2 * t + (c & 1), i = mt * 16 + g + (c >= 2 ? 8 : 0);
          mine[r * kRows + i] = turn == 0 ? acc[mt][c] : mine[r * kRows + i] + acc[mt][c];
        }
    }
    __syncthreads();
  }
  for (int item = threadIdx.x; item < kTileRows * m; item += kThreads) {
    const int r = item / m, i = item % m;
    float sum = 0.f;
#pragma unroll
    for (int v = 0; v < kHalfWarps; ++v) sum += partial[v][r * kRows + i];
    result[r * m + i] = sum;
  }
  ApplyEpilogue<T, kTileRows>(a, pair, result, m);
}

template <typename T, int MT, int H = 2>
cudaError_t Launch(const GemvArgs& a, cudaStream_t stream) {
  return LaunchKernel(SkinnyMmaKernel<T, MT, H>, dim3((a.n + kTileRows - 1) / kTileRows), dim3(kThreads), 0, stream, a,
                      PairOffset(a));
}

template <typename T>
cudaError_t DispatchRows(const GemvArgs& a, cudaStream_t stream) {
  if (a.m <= 8) return Launch<T, 1, 1>(a, stream);
  if (a.m <= 16) return Launch<T, 1>(a, stream);
  if (ClustersSupported()) return SkinnyClusterMma(a, stream);
  if (a.m <= 32) return Launch<T, 2>(a, stream);
  return Launch<T, 4>(a, stream);
}

std::atomic<SkinnyMmaMode>& Mode() {
  static std::atomic<SkinnyMmaMode> mode = [] {
    const char* v = std::getenv("BASALT_SKINNY_MMA");
    if (v != nullptr && std::strcmp(v, "0") == 0) return SkinnyMmaMode::kOff;
    if (v != nullptr && std::strcmp(v, "1") == 0) return SkinnyMmaMode::kAll;
    return SkinnyMmaMode::kMeasured;
  }();
  return mode;
}

// The largest m that kMeasured takes (BASALT_SKINNY_MMA_ROWS: the same-run baseline of a new limit).
int MeasuredRows() {
  static const int rows = [] {
    const char* v = std::getenv("BASALT_SKINNY_MMA_ROWS");
    return v != nullptr && *v != '\0' ? std::atoi(v) : kMeasuredRows;
  }();
  return rows;
}

}  // namespace

SkinnyMmaMode SetSkinnyMmaMode(SkinnyMmaMode mode) { return Mode().exchange(mode); }

bool SkinnyMmaSupports(const GemvArgs& a) {
  const SkinnyMmaMode mode = Mode().load();
  if (mode == SkinnyMmaMode::kOff || (mode == SkinnyMmaMode::kMeasured && a.m > MeasuredRows())) return false;
  return !a.int8_weights && a.dtype != DataType::kFloat32 && a.m >= 1 && a.m <= kMaxRows && a.k % 8 == 0 &&
         a.norm_weight == nullptr;
}

cudaError_t SkinnyMma(const GemvArgs& a, cudaStream_t stream) {
  if (a.dtype == DataType::kBFloat16) return DispatchRows<__nv_bfloat16>(a, stream);
  if (a.dtype == DataType::kFloat16) return DispatchRows<__half>(a, stream);
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
