// Flash-decoding over the paged KV cache on tensor cores. Same grid and split protocol as the portable
// kernel (decode_attention.cu): block (split, kv head, sequence), 4 warps. The query heads of a group are
// the 16 rows of an mma tile (heads past the group are zero rows), so S = Q K^T and O = P V are warp-level
// m16n8k16 products over tiles of 16 tokens:
// - each warp takes every 4th tile of the block's partition and keeps its own running max, sum and
//   output (online softmax); the 4 warps merge through shared memory at the end;
// - K and V come straight from global memory in 16-byte loads, no shared-memory staging: for S, thread
//   (g, t) of the warp loads 16-byte chunks t, t + 4, ... of token g's K row, whose values fill its own k
//   slots (mma.cuh); for P V the k dimension is the token, and the thread loads the head_dim / 8 values
//   g * head_dim / 8 .. of each of its 4 tokens' V rows, which become output column g of every n-tile
//   (so n-tile e, column c is dimension c * head_dim / 8 + e);
// - P goes from the S accumulators to the A operand of P V in registers (the C layout of two n-tiles is
//   the A layout of one k step), as a 16-bit value plus its 16-bit remainder (two products).
// Before waiting for the kernel that wrote q and the newest K/V row (launch.cuh), every block asks L2 for
// the K and V rows of its partition: older rows were written by earlier steps, and a prefetch only warms
// L2, which the real loads after the wait read coherently.
// Cluster form (DecodeAttentionArgs::cluster_size > 1, Hopper): the blocks of a (sequence, kv head) are
// one thread-block cluster; 64-token chunks of the context go to its blocks in turn (and 16-token tiles
// to their warps), and the blocks merge their results by reading each other's shared memory after a
// cluster barrier. At batch 1 the split protocol's partial writes, fence, counter and last-block merge are
// a chain of global-memory round trips on the step's critical path.
#include <cooperative_groups.h>

#include <cfloat>

#include "worker/kernels/decode_attention_mma.h"
#include "worker/kernels/decode_attention_splits.cuh"
#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/launch.cuh"
#include "worker/kernels/mma.cuh"

#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace basalt::kernels {
namespace {

constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kTile = 16;  // tokens per warp step

__device__ __forceinline__ uint4 Load16(const void* p) { return *reinterpret_cast<const uint4*>(p); }

__device__ __forceinline__ void PrefetchL2(const void* p) {
  asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
}

// Element d of query row `row` merged over the block's warps (online-softmax state in shared memory):
// the row's max, the sum of its exponentials and the unnormalized output, all relative to that max.
struct Merged {
  float max, sum, out;
};
template <int D>
__device__ __forceinline__ Merged MergeWarps(const float (*warp_max)[16], const float (*warp_sum)[16],
                                             const float (*warp_out)[16][D], int row, int d) {
  Merged r{-FLT_MAX, 0.f, 0.f};
#pragma unroll
  for (int w = 0; w < kWarps; ++w) r.max = fmaxf(r.max, warp_max[w][row]);
#pragma unroll
  for (int w = 0; w < kWarps; ++w) {
    const float weight = __expf(warp_max[w][row] - r.max);  // 0 for a warp that had no tile
    r.sum += weight * warp_sum[w][row];
    r.out += weight * warp_out[w][row][d];
  }
  return r;
}

// Cluster form: the block's warps merge in shared memory as in the split protocol, then every block
// publishes its (max, sum, output) per head and, after a cluster barrier, writes a share of the heads'
// outputs merged over all the cluster's blocks, read from their shared memory. The second barrier keeps
// each block's shared memory alive until the others have read it.
template <typename T, int D>
__device__ __forceinline__ void MergeCluster(const DecodeAttentionArgs& a, int seq, int kv_head, int group,
                                             const float (*warp_max)[16], const float (*warp_sum)[16],
                                             const float (*warp_out)[16][D]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  namespace cg = cooperative_groups;
  __shared__ float block_max[16], block_sum[16];
  __shared__ float block_out[16][D];
  for (int i = threadIdx.x; i < group * D; i += kThreads) {
    const int row = i / D, d = i % D;
    const Merged merged = MergeWarps<D>(warp_max, warp_sum, warp_out, row, d);
    block_out[row][d] = merged.out;
    if (d == 0) {
      block_max[row] = merged.max;
      block_sum[row] = merged.sum;
    }
  }
  cg::cluster_group cluster = cg::this_cluster();
  cluster.sync();
  const int blocks = a.cluster_size, rank = static_cast<int>(cluster.block_rank());
  for (int i = rank * kThreads + threadIdx.x; i < group * D; i += blocks * kThreads) {
    const int row = i / D, d = i % D;
    float m = -FLT_MAX;
    for (int r = 0; r < blocks; ++r) m = fmaxf(m, cluster.map_shared_rank(block_max, r)[row]);
    float numerator = 0.f, denominator = 0.f;
    for (int r = 0; r < blocks; ++r) {
      const float weight = __expf(cluster.map_shared_rank(block_max, r)[row] - m);  // 0 for a block without tiles
      denominator += weight * cluster.map_shared_rank(block_sum, r)[row];
      numerator += weight * cluster.map_shared_rank(&block_out[0][0], r)[row * D + d];
    }
    const int h = kv_head * group + row;
    // An empty context (a padding row of a CUDA graph batch) has no weight at all: write 0, not NaN.
    static_cast<T*>(a.out)[(static_cast<int64_t>(seq) * a.num_heads + h) * D + d] =
        FromFloat<T>(denominator > 0.f ? numerator / denominator : 0.f);
  }
  cluster.sync();
#else
  __trap();  // launched only where DecodeAttentionClusterSupported(); a build without sm_90 code has none
#endif
}

template <typename T, int D, bool kCluster>
__global__ void __launch_bounds__(kThreads) MmaDecodeKernel(DecodeAttentionArgs a) {
  constexpr int kSteps = D / 16;        // k steps of Q K^T
  constexpr int kKChunks = D / 32;      // 16-byte chunks of a K row per thread
  constexpr int kVChunks = D / 64;      // 16-byte chunks of a V row per thread (D / 8 values)
  constexpr int kColumns = D / 8;       // n-tiles of P V
  if (a.release_next_early) AllowNextKernel();
  const int seq = blockIdx.z, kv_head = blockIdx.y, split = blockIdx.x;
  const int group = a.num_heads / a.num_kv_heads;
  // Lengths and block tables are step inputs, copied before the step's first kernel: safe before the wait.
  const int context = a.context_lens[seq];
  // Split protocol: this block's partition [start, end), its warps take its tiles in turn. Cluster: the
  // whole context, chunks of kWarps tiles in turn over the cluster's blocks (every block reaches the
  // cluster barriers, so none returns early).
  int start = kCluster ? 0 : split * a.partition_size;
  const int end = kCluster ? context : min(start + a.partition_size, context);
  if (a.sliding_window > 0) start = max(start, context - a.sliding_window);
  if (!kCluster && start >= end) return;  // nothing of this sequence in this split (the merge reads only used splits)
  constexpr int kChunk = kWarps * kTile;
  const int chunk_step = kCluster ? a.cluster_size : 1;
  const int* table = a.block_tables + static_cast<int64_t>(seq) * a.max_blocks_per_seq;
  const int64_t row_stride = static_cast<int64_t>(a.num_kv_heads) * D;
  const T* keys = static_cast<const T*>(a.key_cache) + kv_head * D;
  const T* values = static_cast<const T*>(a.value_cache) + kv_head * D;
  auto cache_row = [&](int pos) -> int64_t {
    return (static_cast<int64_t>(table[pos / a.block_size]) * a.block_size + pos % a.block_size) * row_stride;
  };
  {
    constexpr int kLines = D * static_cast<int>(sizeof(T)) / 128;  // 128-byte lines per row
    for (int lo = start + (kCluster ? split : 0) * kChunk; lo < end; lo += chunk_step * kChunk) {
      for (int i = threadIdx.x; i < min(kChunk, end - lo) * 2 * kLines; i += kThreads) {
        const int pos = lo + i / (2 * kLines), which = (i / kLines) % 2, line = i % kLines;
        PrefetchL2((which == 0 ? keys : values) + cache_row(pos) + line * (128 / sizeof(T)));
      }
    }
  }
  WaitForPreviousKernel();

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  // Q as A fragments: rows g and g + 8 are heads g and g + 8 of the group, zero past it.
  uint32_t qa[kSteps][4];
  {
    const T* q = static_cast<const T*>(a.q) + seq * a.q_seq_stride + static_cast<int64_t>(kv_head) * group * D;
    const uint4 zero = make_uint4(0, 0, 0, 0);
#pragma unroll
    for (int u = 0; u < kKChunks; ++u) {
      const int offset = (u * 4 + t) * 8;
      const uint4 lo = g < group ? Load16(q + g * D + offset) : zero;
      const uint4 hi = g + 8 < group ? Load16(q + (g + 8) * D + offset) : zero;
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        qa[2 * u + h][0] = KSlotLow(lo, h);
        qa[2 * u + h][1] = KSlotLow(hi, h);
        qa[2 * u + h][2] = KSlotHigh(lo, h);
        qa[2 * u + h][3] = KSlotHigh(hi, h);
      }
    }
  }

  float row_max[2] = {-FLT_MAX, -FLT_MAX}, row_sum[2] = {0.f, 0.f};
  float o[kColumns][4];
#pragma unroll
  for (int e = 0; e < kColumns; ++e) o[e][0] = o[e][1] = o[e][2] = o[e][3] = 0.f;

  const int first_tile = (kCluster ? split * kWarps : 0) + warp;
  for (int base = start + first_tile * kTile; base < end; base += chunk_step * kChunk) {
    // K rows of tokens base + g (n-tile 0) and base + 8 + g (n-tile 1); V rows of base + 2t, 2t + 1,
    // 8 + 2t, 9 + 2t. Tokens past the end read the last valid row and get probability 0.
    uint4 kc[2][kKChunks], vc[4][kVChunks];
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      const T* row = keys + cache_row(min(base + 8 * j + g, end - 1));
#pragma unroll
      for (int u = 0; u < kKChunks; ++u) kc[j][u] = Load16(row + (u * 4 + t) * 8);
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const T* row = values + cache_row(min(base + (i / 2) * 8 + 2 * t + (i % 2), end - 1)) + g * (D / 8);
#pragma unroll
      for (int w = 0; w < kVChunks; ++w) vc[i][w] = Load16(row + w * 8);
    }

    float s[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int j = 0; j < 2; ++j) {
#pragma unroll
      for (int step = 0; step < kSteps; ++step) {
        const uint32_t b[2] = {KSlotLow(kc[j][step / 2], step % 2), KSlotHigh(kc[j][step / 2], step % 2)};
        Mma16816<T>(s[j], qa[step], b);
      }
    }
    // s[j][c]: row g (c < 2) or g + 8, token base + 8 j + 2 t + (c & 1).
#pragma unroll
    for (int j = 0; j < 2; ++j) {
#pragma unroll
      for (int c = 0; c < 4; ++c) {
        float v = s[j][c] * a.scale;
        if (a.logit_softcap > 0.f) v = a.logit_softcap * tanhf(v / a.logit_softcap);
        s[j][c] = base + 8 * j + 2 * t + (c & 1) < end ? v : -FLT_MAX;
      }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float m = fmaxf(fmaxf(s[0][2 * r], s[0][2 * r + 1]), fmaxf(s[1][2 * r], s[1][2 * r + 1]));
      m = fmaxf(m, __shfl_xor_sync(0xffffffff, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffff, m, 2));
      const float new_max = fmaxf(row_max[r], m);
      const float correction = __expf(row_max[r] - new_max);
      row_max[r] = new_max;
      row_sum[r] *= correction;
#pragma unroll
      for (int e = 0; e < kColumns; ++e) {
        o[e][2 * r] *= correction;
        o[e][2 * r + 1] *= correction;
      }
#pragma unroll
      for (int j = 0; j < 2; ++j) {
#pragma unroll
        for (int c = 2 * r; c < 2 * r + 2; ++c) {
          s[j][c] = __expf(s[j][c] - new_max);
          row_sum[r] += s[j][c];
        }
      }
    }
    // P as the sum of two 16-bit parts (its rounding and the rest): P V then loses ~16 bits, not 8,
    // as the portable kernel's float P V did (bf16 P alone moved logprobs by ~0.2 in the reference test).
    uint32_t pa[4], pr[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const float x0 = s[i / 2][2 * (i % 2)], x1 = s[i / 2][2 * (i % 2) + 1];
      pa[i] = PackPair<T>(x0, x1);
      pr[i] = PackPair<T>(x0 - LowFloat<T>(pa[i]), x1 - HighFloat<T>(pa[i]));
    }
#pragma unroll
    for (int e = 0; e < kColumns; ++e) {
      const int w = (e % 8) / 2;
      const uint32_t lo0 = Word(vc[0][e / 8], w), lo1 = Word(vc[1][e / 8], w);
      const uint32_t hi0 = Word(vc[2][e / 8], w), hi1 = Word(vc[3][e / 8], w);
      const uint32_t b[2] = {e % 2 == 0 ? LowHalves(lo0, lo1) : HighHalves(lo0, lo1),
                             e % 2 == 0 ? LowHalves(hi0, hi1) : HighHalves(hi0, hi1)};
      Mma16816<T>(o[e], pa, b);
      Mma16816<T>(o[e], pr, b);
    }
  }
  if (!a.release_next_early) AllowNextKernel();  // this block's K and V loads are done
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    row_sum[r] += __shfl_xor_sync(0xffffffff, row_sum[r], 1);
    row_sum[r] += __shfl_xor_sync(0xffffffff, row_sum[r], 2);
  }

  // The warps' results meet in shared memory: rows past the group are dropped.
  __shared__ float warp_max[kWarps][16], warp_sum[kWarps][16];
  __shared__ float warp_out[kWarps][16][D];
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    const int row = g + 8 * r;
    if (t == 0) {
      warp_max[warp][row] = row_max[r];
      warp_sum[warp][row] = row_sum[r];
    }
#pragma unroll
    for (int e = 0; e < kColumns; ++e) {
      warp_out[warp][row][(2 * t) * kColumns + e] = o[e][2 * r];
      warp_out[warp][row][(2 * t + 1) * kColumns + e] = o[e][2 * r + 1];
    }
  }
  __syncthreads();
  if constexpr (kCluster) {
    MergeCluster<T, D>(a, seq, kv_head, group, warp_max, warp_sum, warp_out);
    return;
  }
  const bool single = a.num_splits == 1;
  for (int i = threadIdx.x; i < group * D; i += kThreads) {
    const int row = i / D, d = i % D;
    const Merged merged = MergeWarps<D>(warp_max, warp_sum, warp_out, row, d);
    const int h = kv_head * group + row;
    if (single) {
      static_cast<T*>(a.out)[(static_cast<int64_t>(seq) * a.num_heads + h) * D + d] = FromFloat<T>(merged.out / merged.sum);
      continue;
    }
    const int64_t idx = (static_cast<int64_t>(seq) * a.num_heads + h) * a.num_splits + split;
    a.partial_out[idx * D + d] = merged.out;
    if (d == 0) {
      a.partial_max[idx] = merged.max;
      a.partial_sum[idx] = merged.sum;
    }
  }
  if (single) return;
  MergeSplitsIfLast<T>(a, seq, kv_head, context);
}

template <typename T, int D>
cudaError_t Launch(const DecodeAttentionArgs& a, cudaStream_t stream) {
  if (a.cluster_size > 1) {
    dim3 grid(a.cluster_size, a.num_kv_heads, a.num_seqs);
    // The small split holds one ~22 KB block per multiprocessor: the library's split while the grid has
    // a block per multiprocessor at most (batch 1: 16 blocks, measured), else the driver's.
    const int blocks = a.cluster_size * a.num_kv_heads * a.num_seqs;
    const int carveout = blocks <= MultiprocessorCount() ? SharedMemoryCarveout() : kDriverCarveout;
    return LaunchKernelEx(MmaDecodeKernel<T, D, true>, grid, dim3(kThreads), 0, stream, a.cluster_size, carveout, a);
  }
  // The split form runs several ~17 KB blocks per multiprocessor at the batches that take it.
  dim3 grid(a.num_splits, a.num_kv_heads, a.num_seqs);
  return LaunchKernelEx(MmaDecodeKernel<T, D, false>, grid, dim3(kThreads), 0, stream, 1, kDriverCarveout, a);
}

bool Enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("BASALT_MMA_ATTENTION");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return enabled;
}

}  // namespace

bool DecodeAttentionClusterSupported() { return ClustersSupported(); }

bool MmaDecodeAttentionSupports(const DecodeAttentionArgs& a) {
  return Enabled() && a.dtype != DataType::kFloat32 && (a.head_dim == 64 || a.head_dim == 128) &&
         a.num_kv_heads > 0 && a.num_heads % a.num_kv_heads == 0 && a.num_heads / a.num_kv_heads <= 16 &&
         a.q_seq_stride % 8 == 0 && reinterpret_cast<uintptr_t>(a.q) % 16 == 0;
}

cudaError_t MmaDecodeAttention(const DecodeAttentionArgs& a, cudaStream_t stream) {
  if (a.dtype == DataType::kBFloat16) {
    return a.head_dim == 64 ? Launch<__nv_bfloat16, 64>(a, stream) : Launch<__nv_bfloat16, 128>(a, stream);
  }
  if (a.dtype == DataType::kFloat16) {
    return a.head_dim == 64 ? Launch<__half, 64>(a, stream) : Launch<__half, 128>(a, stream);
  }
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
