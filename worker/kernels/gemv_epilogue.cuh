#pragma once
// The epilogues of the skinny products (GemvEpilogue), shared by the GEMV (gemv.cu, m <= 4) and the
// tensor-core skinny GEMM (skinny_mma.cu, m <= 64). A block owns R output rows of W; the pair epilogues
// need a row and its partner (gate row i and up row i + n/2; rotary half i of a head and i + head_dim/2)
// in the same block, so with `pair` > 0 a block owns R/2 pairs (RowOf).
#include "worker/kernels/activation_math.cuh"
#include "worker/kernels/dtype_utils.cuh"

namespace basalt::kernels {

// Output row r of row tile `tile`: R consecutive rows, or (pair > 0) R/2 pairs (i, i + pair) inside groups
// of 2 * pair rows, the first of each pair at r = i, the second at r = R/2 + i.
template <int R>
__device__ __forceinline__ int RowOfTile(int tile, int r, int pair) {
  if (pair == 0) return tile * R + r;
  const int p = tile * (R / 2) + r % (R / 2);
  return (p / pair) * 2 * pair + p % pair + (r < R / 2 ? 0 : pair);
}

// Output row r of this block, whose row tile is blockIdx.x.
template <int R>
__device__ __forceinline__ int RowOf(int r, int pair) { return RowOfTile<R>(blockIdx.x, r, pair); }

inline int PairOffset(const GemvArgs& a) {
  switch (a.epilogue) {
    case GemvEpilogue::kGatedAct: return a.n / 2;
    case GemvEpilogue::kRotaryCache: return a.rotary.head_dim / 2;
    default: return 0;
  }
}

// As the rotary kernel rounds: cos/sin in T, each product rounded, then the sum.
template <typename T>
__device__ __forceinline__ void Rotate(float& x1, float& x2, float c, float s) {
  const float a = Round<T>(Round<T>(x1 * c) - Round<T>(x2 * s));
  const float b = Round<T>(Round<T>(x2 * c) + Round<T>(x1 * s));
  x1 = a;
  x2 = b;
}

// The rotary angle of element j < head_dim / 2 of a head at row xm of x.
__device__ __forceinline__ float RotaryAngle(const RotaryKvArgs& rot, int xm, int j) {
  return static_cast<float>(rot.positions[xm]) * rot.inv_freq[j];
}

// What the GEMV's epilogue reads besides the product (m <= 4: at most one item per thread in each of
// ApplyEpilogue's loops, item = threadIdx.x), loaded early so that these loads are not a round trip after
// the block's reduction: at one row of x the epilogue is the tail of a dependent chain that runs ~90
// times per decode step. Kept in shared memory (registers would cost GEMV blocks per multiprocessor);
// each item is written and read by the same thread.
template <int kItems>
struct EpilogueOperands {
  float residual[kItems];         // kAddInto: y before the add
  float angle[kItems];            // kRotaryCache: position * inv_freq (cos and sin wait for the
                                  // epilogue: their slow path's registers would cost occupancy here)
  int64_t slot[kItems];           // kRotaryCache
};

// The rotary item's operands: positions and slots are step inputs, copied before the step's first
// kernel, and inv_freq is a constant, so this may run before the dependency wait (launch.cuh).
template <typename T, int R, int kItems>
__device__ __forceinline__ void LoadRotaryOperands(const GemvArgs& a, int pair, int m, EpilogueOperands<kItems>& e) {
  constexpr int kHalf = R / 2;
  const int item = threadIdx.x;
  if (a.epilogue != GemvEpilogue::kRotaryCache || item >= kHalf * m) return;
  const RotaryKvArgs& rot = a.rotary;
  const int xm = item / kHalf, row1 = RowOf<R>(item % kHalf, pair);
  if (row1 >= a.n) return;
  const int head = row1 / rot.head_dim, j = row1 % rot.head_dim;
  if (rot.rotary_dim > 0 && head < rot.num_heads + rot.num_kv_heads) {
    e.angle[item] = RotaryAngle(rot, xm, j);
  }
  if (head >= rot.num_heads) e.slot[item] = rot.slot_mapping[xm];
}

// The residual value the add reads (after the dependency wait: the residual is a kernel's output).
template <typename T, int R, int kItems>
__device__ __forceinline__ void LoadResidualOperand(const GemvArgs& a, int pair, int m, EpilogueOperands<kItems>& e) {
  const int i = threadIdx.x;
  if (a.epilogue != GemvEpilogue::kAddInto || i >= R * m) return;
  const int row = RowOf<R>(i % R, pair);
  if (row < a.n) e.residual[i] = ToFloat(static_cast<const T*>(a.y)[static_cast<int64_t>(i / R) * a.n + row]);
}

// result[r * m + i] (shared memory) is the product of this block's row RowOf<R>(r, pair) with row i of x,
// before scale and bias; every thread of the block calls this once the results are written (it begins
// with a barrier). Applies x_scale[i] (per row of x, may be null), scale and bias, then the epilogue.
// Consecutive threads take consecutive rows of W, so that the stores to y are coalesced. kItems > 0: the
// GEMV's form, every item is its thread's first and `early` holds its operands (EpilogueOperands).
template <typename T, int R, int kItems = 0>
__device__ __forceinline__ void ApplyEpilogue(const GemvArgs& a, int pair, float* result, int m,
                                              const float* x_scale = nullptr,
                                              const EpilogueOperands<kItems>* early = nullptr) {
  const int n = a.n;
  __syncthreads();
  for (int i = threadIdx.x; i < R * m; i += blockDim.x) {
    const int r = i % R, xm = i / R, row = RowOf<R>(r, pair);
    if (row >= n) continue;
    float v = result[r * m + xm];
    if (x_scale != nullptr) v *= x_scale[xm];
    if (a.scale != nullptr) v *= a.scale[row];
    if (a.bias != nullptr) v += ToFloat(static_cast<const T*>(a.bias)[row]);
    if (a.epilogue == GemvEpilogue::kStore && a.float_output) {
      static_cast<float*>(a.y)[static_cast<int64_t>(xm) * n + row] = Round<T>(v);
    } else if (a.epilogue == GemvEpilogue::kStore || a.epilogue == GemvEpilogue::kAddInto) {
      T* y = static_cast<T*>(a.y) + static_cast<int64_t>(xm) * n + row;
      if (a.epilogue == GemvEpilogue::kStore) {
        *y = FromFloat<T>(v);
      } else {
        float old;
        if constexpr (kItems > 0) {
          old = early->residual[i];
        } else {
          old = ToFloat(*y);
        }
        *y = FromFloat<T>(old + Round<T>(v));
      }
    } else {
      result[r * m + xm] = v;
    }
  }
  if (a.epilogue == GemvEpilogue::kStore || a.epilogue == GemvEpilogue::kAddInto) return;
  // Pair epilogues: item (i, x row) takes the results of rows i and R/2 + i.
  __syncthreads();
  constexpr int kHalf = R / 2;
  for (int item = threadIdx.x; item < kHalf * m; item += blockDim.x) {
    const int i = item % kHalf, xm = item / kHalf;
    const int row1 = RowOf<R>(i, pair), row2 = row1 + pair;
    if (row1 >= n) continue;
    float v1 = Round<T>(result[i * m + xm]), v2 = Round<T>(result[(kHalf + i) * m + xm]);
    if (a.epilogue == GemvEpilogue::kGatedAct) {  // row1 < n/2 is the gate, row2 = row1 + n/2 the up
      static_cast<T*>(a.y)[static_cast<int64_t>(xm) * (n / 2) + row1] = FromFloat<T>(Round<T>(Activate(a.act, v1)) * v2);
      continue;
    }
    // kRotaryCache: row1 is element j < head_dim / 2 of a head, row2 element j + head_dim / 2.
    const RotaryKvArgs& rot = a.rotary;
    const int head = row1 / rot.head_dim, j = row1 % rot.head_dim;
    if (rot.rotary_dim > 0 && head < rot.num_heads + rot.num_kv_heads) {
      float angle;
      if constexpr (kItems > 0) {
        angle = early->angle[item];
      } else {
        angle = RotaryAngle(rot, xm, j);
      }
      Rotate<T>(v1, v2, Round<T>(cosf(angle) * rot.attention_scaling), Round<T>(sinf(angle) * rot.attention_scaling));
    }
    T* y = static_cast<T*>(a.y) + static_cast<int64_t>(xm) * n;
    y[row1] = FromFloat<T>(v1);
    y[row2] = FromFloat<T>(v2);
    if (head < rot.num_heads) continue;
    int64_t slot;
    if constexpr (kItems > 0) {
      slot = early->slot[item];
    } else {
      slot = rot.slot_mapping[xm];
    }
    if (slot < 0) continue;  // padding rows of a CUDA graph batch
    const bool key = head < rot.num_heads + rot.num_kv_heads;
    const int kv_head = head - rot.num_heads - (key ? 0 : rot.num_kv_heads);
    T* cache = static_cast<T*>(key ? rot.key_cache : rot.value_cache) + (slot * rot.num_kv_heads + kv_head) * rot.head_dim;
    cache[j] = FromFloat<T>(v1);
    cache[j + rot.head_dim / 2] = FromFloat<T>(v2);
  }
}

}  // namespace basalt::kernels
