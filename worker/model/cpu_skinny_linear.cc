#include "worker/model/cpu_skinny_linear.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

// GCC function multiversioning: one build runs the best code the machine has, without -march.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define BASALT_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BASALT_CPU_CLONES
#endif

namespace basalt::model {
namespace {

// Int8 weights: y[m, row] = scale[row] * sum_j x[m, j] q[row, j] + bias[row] for rows [begin, end), with
// sixteen partial sums per dot product (one AVX-512 register, two AVX2 ones) so that the compiler
// vectorizes without reassociating. Two loop orders, by measurement on this project's 2-core CI machine
// (weights from memory):
// - up to 4 input rows, one dot product per input row: the weight row comes from memory once, then from
//   L1. (The other order vectorized badly at 2-4 rows: 2048 x 384 at 2 rows 393 vs 202 us.)
// - 5-8 input rows, all of them accumulated in one pass over the weight row, each weight widened to float
//   once (2048 x 384 at 8 rows 509 vs 853 us).
template <int M>
struct Int8RowsImpl {
  static inline __attribute__((always_inline)) void Run(const float* x, int64_t k, const int8_t* q,
                                                        const float* scale, const float* bias, float* y, int64_t n,
                                                        int64_t begin, int64_t end) {
    constexpr int kLanes = 16;
    for (int64_t row = begin; row < end; ++row) {
      const int8_t* qr = q + row * k;
      float acc[M][kLanes] = {};
      int64_t j0 = 0;
      if constexpr (M <= 4) {
        for (int m = 0; m < M; ++m) {
          const float* xm = x + m * k;
          for (j0 = 0; j0 + kLanes <= k; j0 += kLanes) {
            for (int j = 0; j < kLanes; ++j) acc[m][j] += static_cast<float>(qr[j0 + j]) * xm[j0 + j];
          }
        }
      } else {
        for (; j0 + kLanes <= k; j0 += kLanes) {
          float wv[kLanes];
          for (int j = 0; j < kLanes; ++j) wv[j] = static_cast<float>(qr[j0 + j]);
          for (int m = 0; m < M; ++m) {
            const float* xm = x + m * k + j0;
            for (int j = 0; j < kLanes; ++j) acc[m][j] += wv[j] * xm[j];
          }
        }
      }
      const float b = bias != nullptr ? bias[row] : 0.f;
      for (int m = 0; m < M; ++m) {
        float sum = 0.f;
        for (int j = 0; j < kLanes; ++j) sum += acc[m][j];
        for (int64_t j = j0; j < k; ++j) sum += static_cast<float>(qr[j]) * x[m * k + j];
        y[m * n + row] = sum * scale[row] + b;
      }
    }
  }
};

// Float32 weights: the one-pass order written with GCC vector types, which the compiler cannot leave
// scalar (16 lanes: one AVX-512 register, two AVX2 ones). Measured against the int8 loops' orders run on
// float32: 2048 x 384 at 2 / 4 / 8 rows 91 / 160 / 462 -> 76 / 110 / 227 us. (For int8 weights the vector
// widening compiled to slow code: 102 -> 401 us at one row, so int8 keeps the loops above.)
typedef float Float16 __attribute__((vector_size(64)));

template <int M>
struct FloatRowsImpl {
  static inline __attribute__((always_inline)) void Run(const float* x, int64_t k, const float* w, const float* bias,
                                                        float* y, int64_t n, int64_t begin, int64_t end) {
    constexpr int kLanes = 16;
    for (int64_t row = begin; row < end; ++row) {
      const float* wr = w + row * k;
      Float16 acc[M] = {};
      int64_t j0 = 0;
      for (; j0 + kLanes <= k; j0 += kLanes) {
        Float16 wv;
        __builtin_memcpy(&wv, wr + j0, sizeof(wv));
        for (int m = 0; m < M; ++m) {
          Float16 xv;
          __builtin_memcpy(&xv, x + m * k + j0, sizeof(xv));
          acc[m] += wv * xv;
        }
      }
      const float b = bias != nullptr ? bias[row] : 0.f;
      for (int m = 0; m < M; ++m) {
        float sum = 0.f;
        for (int j = 0; j < kLanes; ++j) sum += acc[m][j];
        for (int64_t j = j0; j < k; ++j) sum += wr[j] * x[m * k + j];
        y[m * n + row] = sum + b;
      }
    }
  }
};

// Calls Impl<m>::Run(args...) for m in 1..8.
template <template <int> class Impl, typename... Args>
inline __attribute__((always_inline)) void DispatchRows(int m, Args... args) {
  switch (m) {
    case 1: Impl<1>::Run(args...); break;
    case 2: Impl<2>::Run(args...); break;
    case 3: Impl<3>::Run(args...); break;
    case 4: Impl<4>::Run(args...); break;
    case 5: Impl<5>::Run(args...); break;
    case 6: Impl<6>::Run(args...); break;
    case 7: Impl<7>::Run(args...); break;
    case 8: Impl<8>::Run(args...); break;
    default: break;
  }
}
static_assert(kCpuSkinnyMaxRows == 8, "DispatchRows has instances for 1..8 rows");

// One multiversioned entry per weight type (target_clones does not apply to templates).
BASALT_CPU_CLONES void FloatRows(int m, const float* x, int64_t k, const float* w, const float* bias, float* y,
                                 int64_t n, int64_t begin, int64_t end) {
  DispatchRows<FloatRowsImpl>(m, x, k, w, bias, y, n, begin, end);
}

BASALT_CPU_CLONES void Int8Rows(int m, const float* x, int64_t k, const int8_t* w, const float* scale,
                                const float* bias, float* y, int64_t n, int64_t begin, int64_t end) {
  DispatchRows<Int8RowsImpl>(m, x, k, w, scale, bias, y, n, begin, end);
}

}  // namespace

at::Tensor CpuSkinnyLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& scale,
                           const at::Tensor& bias) {
  const int64_t m = x.size(0), k = x.size(1), n = weight.size(0);
  TORCH_CHECK(m >= 1 && m <= kCpuSkinnyMaxRows && weight.size(1) == k, "CpuSkinnyLinear: shapes");
  const bool int8 = weight.scalar_type() == at::kChar;
  TORCH_CHECK(int8 ? scale.defined() : weight.scalar_type() == at::kFloat, "CpuSkinnyLinear: weight dtype");
  const at::Tensor xf = x.to(at::kFloat).contiguous();
  const at::Tensor wc = weight.contiguous();
  const at::Tensor sf = int8 ? scale.to(at::kFloat).contiguous() : at::Tensor();
  const at::Tensor bf = bias.defined() ? bias.to(at::kFloat).contiguous() : at::Tensor();
  at::Tensor y = at::empty({m, n}, xf.options());
  const float* xp = xf.data_ptr<float>();
  const float* bp = bf.defined() ? bf.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  // At least ~64k weights per task: below that the pool's overhead shows.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(k, 1));
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    if (int8) {
      Int8Rows(static_cast<int>(m), xp, k, wc.data_ptr<int8_t>(), sf.data_ptr<float>(), bp, yp, n, begin, end);
    } else {
      FloatRows(static_cast<int>(m), xp, k, wc.data_ptr<float>(), bp, yp, n, begin, end);
    }
  });
  return y;
}

}  // namespace basalt::model
