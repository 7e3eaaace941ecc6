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
// - weights are read with an evict-first hint (each byte is used once per step); x through L1
//   (ld.global.ca: every block reads all of it; not the read-only path, which a PDL overlap breaks).
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
//
// The kernel itself is gemv_kernel.cuh, instantiated in gemv_<dtype>[_int8].cu; this file chooses.
#include <cstdint>

#include "worker/kernels/dtype_utils.cuh"
#include "worker/kernels/kernels.h"
#include "worker/kernels/skinny_mma.h"

namespace basalt::kernels {
namespace gemv {
// Defined in gemv_kernel.cuh, instantiated for T in {float, __half, __nv_bfloat16} and W in {T, int8_t}.
template <typename T, typename W>
cudaError_t GemvRows(const GemvArgs& a, cudaStream_t stream);
}  // namespace gemv

namespace {

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
  BASALT_DISPATCH_DTYPE(a.dtype, T, {
    return a.int8_weights ? gemv::GemvRows<T, int8_t>(a, stream) : gemv::GemvRows<T, T>(a, stream);
  });
  return cudaErrorInvalidValue;
}

}  // namespace basalt::kernels
