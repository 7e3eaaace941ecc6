// Consecutive single-row products (a decode step at one sequence: o + add, norm + gate_up + act, down +
// add, the next layer's norm + qkv + rotary) as one persistent kernel instead of one kernel each.
//
// Why: at one row of x each product is a few microseconds, and the chain of ~90 of them per step loses
// ~270 us of a 880 us step to the boundaries between kernels (worker/kernels/NOTES.md), although every
// GEMV issues its weight loads before its dependency wait. Here one grid of blocks that are all resident
// at once runs the products in order; between two products a block issues its next tile's weight loads,
// then waits at a grid barrier (counters in global memory) instead of for the previous kernel's end.
//
// The tiles are the GEMV's own (GemvTile, same forms as the separate launches), so the results are the
// same bit for bit. Grid: as many blocks as fit on the device at once (a barrier with a block that is
// not resident would never open); a barrier that stays closed for seconds traps instead of hanging.
#include <cstdint>

#include "worker/kernels/gemv_kernel.cuh"

namespace basalt::kernels {
namespace gemv {
namespace {

struct SequenceArgs {
  GemvArgs ops[kGemvSequenceMaxOps];
  int count = 0;
  unsigned* barrier = nullptr;  // kGemvSequenceBarrierWords: the stripes' arrivals, then finished blocks
};

// Arrivals go to kStripes counters on their own 128-byte lines (block b to stripe b % kStripes): on one
// counter, the ~1000 blocks' atomics of each barrier queued at one L2 slice (first form: 1110 us per
// decode step against 879 for separate launches).
constexpr int kStripes = 16, kLineWords = 32;
static_assert(kGemvSequenceBarrierWords == (kStripes + 1) * kLineWords, "kernels.h");
__device__ __forceinline__ unsigned* Stripe(unsigned* barrier, int s) { return barrier + s * kLineWords; }
__device__ __forceinline__ unsigned* Finished(unsigned* barrier) { return barrier + kStripes * kLineWords; }
// Blocks of the grid that arrive at stripe s.
__device__ __forceinline__ unsigned StripeBlocks(int s) {
  return gridDim.x / kStripes + (static_cast<unsigned>(s) < gridDim.x % kStripes ? 1u : 0u);
}

// Two seconds of waiting at one barrier mean a block that never came: fail loudly, not forever.
constexpr unsigned long long kBarrierTimeoutNs = 2000000000ull;

// Polling reads are relaxed, and one fence after the last makes them an acquire (an acquiring load
// compiles to a load plus an L1 invalidation on every try). Measured no faster: 1188.6 us per decode
// step against 1193.8 with acquiring polls and 878.7 for separate launches (thirteenth session).
__device__ __forceinline__ unsigned LoadRelaxed(const unsigned* p) {
  unsigned v;
  asm volatile("ld.relaxed.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}

__device__ __forceinline__ unsigned long long GlobalNanoseconds() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %globaltimer;" : "=l"(t));
  return t;
}

// This block's writes of the product just finished, published to every block (gpu-scope release).
__device__ __forceinline__ void Arrive(unsigned* barrier) {
  __syncthreads();
  if (threadIdx.x == 0) {
    __threadfence();
    asm volatile("red.release.gpu.global.add.u32 [%0], 1;" ::"l"(Stripe(barrier, blockIdx.x % kStripes)) : "memory");
  }
}

// Until `products` rounds of arrivals: then every block's writes before its arrival are visible to this
// block. Thread s watches stripe s.
__device__ __forceinline__ void WaitFor(unsigned* barrier, unsigned products) {
  if (threadIdx.x < kStripes) {
    const unsigned* counter = Stripe(barrier, threadIdx.x);
    const unsigned target = products * StripeBlocks(threadIdx.x);
    if (LoadRelaxed(counter) < target) {
      const unsigned long long start = GlobalNanoseconds();
      while (LoadRelaxed(counter) < target) {
        if (GlobalNanoseconds() - start > kBarrierTimeoutNs) __trap();
      }
    }
    __threadfence();  // with the relaxed reads above: the acquire of every block's arrival
  }
  __syncthreads();
}

// The wait before product i's first reads: the previous kernel's end (i = 0) or the grid barrier.
__device__ __forceinline__ void WaitForProduct(unsigned* barrier, unsigned product) {
  if (product == 0) {
    WaitForPreviousKernel();
  } else {
    WaitFor(barrier, product);
  }
}

// One tile of a product; `first`: the block's first tile of it, which waits (after its weight loads).
template <typename T, int R, int kUnroll, bool kNorm>
__device__ __forceinline__ void SequenceTile(const GemvArgs& a, int pair, int tile, bool first, unsigned* barrier,
                                             unsigned product) {
  GemvTile<T, T, 1, R, kUnroll, kNorm, false>(a, pair, tile, [=] {
    if (first) WaitForProduct(barrier, product);
  });
}

template <typename T, bool kNorm>
__device__ __forceinline__ void RunTile(const GemvArgs& a, GemvForm form, int pair, int tile, bool first,
                                        unsigned* barrier, unsigned product) {
  switch (form) {
    case GemvForm::kWide: return SequenceTile<T, 4, 2, kNorm>(a, pair, tile, first, barrier, product);
    case GemvForm::kLong: return SequenceTile<T, 2, 4, kNorm>(a, pair, tile, first, barrier, product);
    case GemvForm::kShort: return SequenceTile<T, 2, 2, kNorm>(a, pair, tile, first, barrier, product);
  }
}

// 8 blocks of 128 threads per multiprocessor, as the separate GEMV launches run at one row.
template <typename T>
__global__ void __launch_bounds__(kThreads, 8) GemvSequenceKernel(const __grid_constant__ SequenceArgs s) {
  AllowNextKernel();
  for (int i = 0; i < s.count; ++i) {
    const GemvArgs& a = s.ops[i];
    const GemvForm form = FormOf<T>(a);
    const int pair = PairOffset(a), tiles = (a.n + RowsPerTile(form) - 1) / RowsPerTile(form);
    // Product i starts once all blocks arrived after product i - 1 (the first: once the previous kernel
    // has finished). A block arrives only after its own wait, so the count cannot run ahead of a product.
    const unsigned product = static_cast<unsigned>(i);
    for (int tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
      const bool first = tile == static_cast<int>(blockIdx.x);
      if (a.norm_weight != nullptr) {
        RunTile<T, true>(a, form, pair, tile, first, s.barrier, product);
      } else {
        RunTile<T, false>(a, form, pair, tile, first, s.barrier, product);
      }
    }
    if (static_cast<int>(blockIdx.x) >= tiles) WaitForProduct(s.barrier, product);  // no tile: still in order
    if (i + 1 < s.count) Arrive(s.barrier);
  }
  // The last block out leaves the counters zero for the next launch, which reads them only after its
  // own dependency wait (that is, after this kernel has finished).
  __syncthreads();
  if (threadIdx.x == 0) {
    if (atomicAdd(Finished(s.barrier), 1u) == gridDim.x - 1) {
      for (int stripe = 0; stripe < kStripes; ++stripe) *Stripe(s.barrier, stripe) = 0;
      *Finished(s.barrier) = 0;
    }
  }
}

template <typename T>
cudaError_t LaunchSequence(const SequenceArgs& s, cudaStream_t stream) {
  static const int blocks_per_sm = [] {
    int blocks = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, GemvSequenceKernel<T>, kThreads, 0) != cudaSuccess) {
      return 0;
    }
    return blocks;
  }();
  if (blocks_per_sm <= 0 || MultiprocessorCount() <= 0) return cudaErrorLaunchOutOfResources;
  return LaunchKernel(GemvSequenceKernel<T>, dim3(blocks_per_sm * MultiprocessorCount()), dim3(kThreads), 0, stream, s);
}

}  // namespace
}  // namespace gemv

bool GemvSequenceSupports(const GemvArgs& a) {
  return a.m == 1 && !a.int8_weights && a.normed_out == nullptr &&
         (a.dtype == DataType::kBFloat16 || a.dtype == DataType::kFloat16) && GemvSupports(a);
}

cudaError_t GemvSequence(const GemvArgs* ops, int count, unsigned* barrier, cudaStream_t stream) {
  if (count < 1 || count > kGemvSequenceMaxOps || barrier == nullptr) return cudaErrorInvalidValue;
  gemv::SequenceArgs s;
  for (int i = 0; i < count; ++i) {
    if (!GemvSequenceSupports(ops[i]) || ops[i].dtype != ops[0].dtype) return cudaErrorInvalidValue;
    s.ops[i] = ops[i];
  }
  s.count = count;
  s.barrier = barrier;
  if (ops[0].dtype == DataType::kFloat16) return gemv::LaunchSequence<__half>(s, stream);
  return gemv::LaunchSequence<__nv_bfloat16>(s, stream);
}

}  // namespace basalt::kernels
