// Tensor-core skinny products for decode batches of 5-64 rows: y[m, n] = epilogue(x[m, k] W[n, k]^T), with
// the GEMV's RMSNorm prologue and epilogues (gemv_epilogue.cuh), so that batch 8-64 steps also run five
// kernels per layer. cuBLAS reached 1.3-2.5 TB/s at m = 32 on the TinyLlama shapes (H100); the product is
// still one pass over W, so the kernel is built, like the GEMV, for bytes in flight:
// - a block of 4 warps owns a tile of 64 rows of W (4 m16 tiles; the pair epilogues' layout as RowOf) and
//   a range of k; every warp takes every 4th column of 32 k values of the range, for all 64 rows, so an x
//   fragment is loaded once per warp and used by 4 m-tiles (x is re-read from L2 once per 64 rows of W);
// - operands come from global memory in 16-byte loads: the k slots of a thread are the 8 values of its
//   own chunk (mma.cuh), for W rows (A) and x rows (B) alike; W with an evict-first hint;
// - when there are too few tiles to fill the GPU, k is split over blocks: each writes its partial sums to
//   a workspace and the last block of a tile to finish (atomic counter) adds them in split order and runs
//   the epilogue.
// The RMSNorm prologue factors out of the product: y = inv_rms(x) * ((x * w_norm) W^T) (Gemma: 1 + w_norm),
// with x * w_norm rounded to the dtype as the operand and the sum of squares accumulated from the same
// loads (per split, added up with the partial sums). This rounds differently from normalizing first
// (the GEMV's and transformers' order), within the dtype's precision.
#include <algorithm>
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

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kTileRows = 64;
constexpr int kColumn = 32;                       // k values of one warp step
constexpr int kRound = kWarps * kColumn;          // k values of one step of the block
constexpr int kMaxRows = 64;                      // rows of x
constexpr int kMaxSplits = 16;                    // blocks sharing a tile's k

template <typename T>
__device__ __forceinline__ uint4 FromFloats(const float* f) {
  return make_uint4(PackPair<T>(f[0], f[1]), PackPair<T>(f[2], f[3]), PackPair<T>(f[4], f[5]), PackPair<T>(f[6], f[7]));
}

// MT: n-tiles of 8 x rows (m <= 8 MT); kNorm: the RMSNorm prologue.
template <typename T, int MT, bool kNorm>
__global__ void __launch_bounds__(kThreads) SkinnyMmaKernel(const GemvArgs a, int pair, int k_per_split, int splits) {
  constexpr int kU = MT <= 4 ? 2 : 1;  // columns of a warp loaded before any is used
  AllowNextKernel();
  const int n = a.n, k = a.k, m = a.m;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int split = blockIdx.y;
  const int k_begin = split * k_per_split, k_end = min(k, k_begin + k_per_split);
  const T* __restrict__ w = static_cast<const T*>(a.w);
  const T* __restrict__ x = static_cast<const T*>(a.x);
  const T* __restrict__ norm_weight = static_cast<const T*>(a.norm_weight);

  const T* rows[4][2];  // W rows of this thread: m-tile mt, rows g and g + 8
#pragma unroll
  for (int mt = 0; mt < 4; ++mt)
#pragma unroll
    for (int h = 0; h < 2; ++h) rows[mt][h] = w + static_cast<int64_t>(min(RowOf<kTileRows>(mt * 16 + g + 8 * h, pair), n - 1)) * k;
  float acc[4][MT][4];
#pragma unroll
  for (int mt = 0; mt < 4; ++mt)
#pragma unroll
    for (int j = 0; j < MT; ++j) acc[mt][j][0] = acc[mt][j][1] = acc[mt][j][2] = acc[mt][j][3] = 0.f;
  float squares[MT];
#pragma unroll
  for (int j = 0; j < MT; ++j) squares[j] = 0.f;

  bool waited = false;
  for (int column = k_begin + warp * kColumn; column < k_end; column += kU * kRound) {
    uint4 wv[kU][4][2];
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      const int kk = column + u * kRound + t * 8;
#pragma unroll
      for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int h = 0; h < 2; ++h)
          wv[u][mt][h] = kk < k_end ? __ldcs(reinterpret_cast<const uint4*>(rows[mt][h] + kk)) : make_uint4(0, 0, 0, 0);
    }
    // Weights are never written by a kernel: the first loads go out before waiting for x (launch.cuh).
    if (!waited) {
      WaitForPreviousKernel();
      waited = true;
    }
#pragma unroll
    for (int u = 0; u < kU; ++u) {
      const int kk = column + u * kRound + t * 8;
      if (kk >= k_end) break;
      float nw[8];
      if constexpr (kNorm) {
        Widen<T>(__ldg(reinterpret_cast<const uint4*>(norm_weight + kk)), nw);
#pragma unroll
        for (int i = 0; i < 8; ++i) nw[i] = a.norm_unit_offset ? 1.f + nw[i] : nw[i];
      }
      uint4 xv[MT];
#pragma unroll
      for (int j = 0; j < MT; ++j) {
        const int row = 8 * j + g;
        xv[j] = row < m ? __ldg(reinterpret_cast<const uint4*>(x + static_cast<int64_t>(row) * k + kk)) : make_uint4(0, 0, 0, 0);
        if constexpr (kNorm) {
          float f[8];
          Widen<T>(xv[j], f);
#pragma unroll
          for (int i = 0; i < 8; ++i) {
            squares[j] = fmaf(f[i], f[i], squares[j]);
            f[i] *= nw[i];
          }
          xv[j] = FromFloats<T>(f);
        }
      }
#pragma unroll
      for (int half = 0; half < 2; ++half) {
#pragma unroll
        for (int mt = 0; mt < 4; ++mt) {
          const uint32_t af[4] = {KSlotLow(wv[u][mt][0], half), KSlotLow(wv[u][mt][1], half), KSlotHigh(wv[u][mt][0], half),
                                  KSlotHigh(wv[u][mt][1], half)};
#pragma unroll
          for (int j = 0; j < MT; ++j) {
            const uint32_t bf[2] = {KSlotLow(xv[j], half), KSlotHigh(xv[j], half)};
            Mma16816<T>(acc[mt][j], af, bf);
          }
        }
      }
    }
  }
  if (!waited) WaitForPreviousKernel();  // a warp with no column still writes results below
#pragma unroll
  for (int j = 0; j < MT; ++j) {
    squares[j] += __shfl_xor_sync(0xffffffff, squares[j], 1);
    squares[j] += __shfl_xor_sync(0xffffffff, squares[j], 2);
  }

  // The warps' sums meet in shared memory, added in warp order (deterministic): result[r * m + i] is
  // row r of the tile times x row i.
  __shared__ float result[kTileRows * kMaxRows];
  __shared__ float sums[kMaxRows];
  for (int w_turn = 0; w_turn < kWarps; ++w_turn) {
    if (warp == w_turn) {
#pragma unroll
      for (int mt = 0; mt < 4; ++mt)
#pragma unroll
        for (int j = 0; j < MT; ++j)
#pragma unroll
          for (int c = 0; c < 4; ++c) {
            const int r = mt * 16 + g + (c >= 2 ? 8 : 0), i = 8 * j + 2 * t + (c & 1);
            if (i < m) result[r * m + i] = w_turn == 0 ? acc[mt][j][c] : result[r * m + i] + acc[mt][j][c];
          }
      if constexpr (kNorm) {
#pragma unroll
        for (int j = 0; j < MT; ++j) {
          const int i = 8 * j + g;
          if (t == 0 && i < m) sums[i] = w_turn == 0 ? squares[j] : sums[i] + squares[j];
        }
      }
    }
    __syncthreads();
  }

  if (splits > 1) {
    // Partial sums of this split, then the last block of the tile adds all splits in order.
    const int64_t stride = static_cast<int64_t>(kTileRows + 1) * m;
    float* mine = a.workspace + (static_cast<int64_t>(blockIdx.x) * splits + split) * stride;
    for (int i = threadIdx.x; i < kTileRows * m; i += kThreads) mine[i] = result[i];
    if (kNorm) {
      for (int i = threadIdx.x; i < m; i += kThreads) mine[kTileRows * m + i] = sums[i];
    }
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
      int* counter = a.tile_counters + blockIdx.x;
      last = atomicAdd(counter, 1) == splits - 1;
      if (last) *counter = 0;  // ready for the next launch
    }
    __syncthreads();
    if (!last) return;
    __threadfence();
    // All splits' loads of an item go out before they are added (in split order): a loop that adds as
    // it loads waits one L2 round trip per split.
    const float* tile = a.workspace + static_cast<int64_t>(blockIdx.x) * splits * stride;
    for (int i = threadIdx.x; i < (kNorm ? kTileRows + 1 : kTileRows) * m; i += kThreads) {
      float part[kMaxSplits];
#pragma unroll
      for (int s = 0; s < kMaxSplits; ++s) part[s] = s < splits ? __ldcg(tile + s * stride + i) : 0.f;
      float total = 0.f;
#pragma unroll
      for (int s = 0; s < kMaxSplits; ++s) total += part[s];
      if (i < kTileRows * m) {
        result[i] = total;
      } else {
        sums[i - kTileRows * m] = total;
      }
    }
  }
  if constexpr (kNorm) {
    __syncthreads();
    for (int i = threadIdx.x; i < m; i += kThreads) sums[i] = rsqrtf(sums[i] / k + a.norm_eps);
  }
  ApplyEpilogue<T, kTileRows>(a, pair, result, m, kNorm ? sums : nullptr);
}

template <typename T, int MT, bool kNorm>
cudaError_t Launch(const GemvArgs& a, cudaStream_t stream) {
  const int tiles = (a.n + kTileRows - 1) / kTileRows;
  // Split k until there are about two blocks per multiprocessor, in whole rounds of the block, where the
  // caller gave scratch enough.
  const int sms = MultiprocessorCount() > 0 ? MultiprocessorCount() : 108;  // an A100's if the query failed
  int splits = std::min({kMaxSplits, (a.k + kRound - 1) / kRound, std::max(1, (2 * sms + tiles - 1) / tiles)});
  int k_per_split = ((a.k + splits - 1) / splits + kRound - 1) / kRound * kRound;
  splits = (a.k + k_per_split - 1) / k_per_split;
  const int64_t needed = static_cast<int64_t>(tiles) * splits * (kTileRows + 1) * a.m;
  if (splits > 1 && (a.workspace == nullptr || a.tile_counters == nullptr || needed > a.workspace_floats ||
                     tiles > a.num_tile_counters)) {
    splits = 1;
    k_per_split = a.k;
  }
  return LaunchKernel(SkinnyMmaKernel<T, MT, kNorm>, dim3(tiles, splits), dim3(kThreads), 0, stream, a,
                      PairOffset(a), k_per_split, splits);
}

template <typename T, int MT>
cudaError_t Launch(const GemvArgs& a, cudaStream_t stream) {
  return a.norm_weight != nullptr ? Launch<T, MT, true>(a, stream) : Launch<T, MT, false>(a, stream);
}

template <typename T>
cudaError_t DispatchRows(const GemvArgs& a, cudaStream_t stream) {
  if (a.m <= 8) return Launch<T, 1>(a, stream);
  if (a.m <= 16) return Launch<T, 2>(a, stream);
  if (a.m <= 32) return Launch<T, 4>(a, stream);
  return Launch<T, 8>(a, stream);
}

}  // namespace

namespace {
std::atomic<bool>& SkinnyMmaSwitch() {
  static std::atomic<bool> enabled = [] {
    const char* v = std::getenv("BASALT_SKINNY_MMA");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return enabled;
}
}  // namespace

void SetSkinnyMmaEnabled(bool enabled) { SkinnyMmaSwitch().store(enabled); }
bool SkinnyMmaEnabled() { return SkinnyMmaSwitch().load(); }

bool SkinnyMmaSupports(const GemvArgs& a) {
  return SkinnyMmaEnabled() && !a.int8_weights && a.dtype != DataType::kFloat32 && a.m >= 1 && a.m <= kMaxRows && a.k % 8 == 0;
}

cudaError_t SkinnyMma(const GemvArgs& a, cudaStream_t stream) {
  if (a.dtype == DataType::kBFloat16) return DispatchRows<__nv_bfloat16>(a, stream);
  if (a.dtype == DataType::kFloat16) return DispatchRows<__half>(a, stream);
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
