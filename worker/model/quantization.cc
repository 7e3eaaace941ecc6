#include "worker/model/quantization.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"

// The CPU kernel is compiled for AVX-512, AVX2+FMA and baseline x86-64; the loader picks the best the
// machine has (GCC function multiversioning), so the build needs no -march.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define BASALT_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define BASALT_CPU_CLONES
#endif

namespace basalt::model {
namespace {

// Float values worked on at a time while quantizing or dequantizing (64 MB in float32), so that the
// working copy stays small next to the model whatever the matrix (a 128k-entry LM head, say).
constexpr int64_t kChunkValues = int64_t{16} << 20;

int64_t ChunkRows(int64_t in, int64_t values = kChunkValues) {
  return std::max<int64_t>(1, values / std::max<int64_t>(in, 1));
}

// y[m, row] = scale[row] * sum_j x[m, j] q[row, j] + bias[row] for rows [begin, end). Sixteen partial sums
// per input row (one AVX-512 register, two AVX2 ones) let the compiler vectorize without reassociating;
// each weight row is read once for all M inputs.
template <int M>
inline __attribute__((always_inline)) void Int8RowsImpl(const float* x, int64_t k, const int8_t* q, const float* scale,
                                                        const float* bias, float* y, int64_t n, int64_t begin,
                                                        int64_t end) {
  constexpr int kLanes = 16;
  for (int64_t row = begin; row < end; ++row) {
    const int8_t* qr = q + row * k;
    float acc[M][kLanes] = {};
    int64_t j0 = 0;
    for (; j0 + kLanes <= k; j0 += kLanes) {
      float w[kLanes];
      for (int j = 0; j < kLanes; ++j) w[j] = static_cast<float>(qr[j0 + j]);
      for (int m = 0; m < M; ++m) {
        const float* xm = x + m * k + j0;
        for (int j = 0; j < kLanes; ++j) acc[m][j] += w[j] * xm[j];
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

BASALT_CPU_CLONES void Int8RowsCpu(int m, const float* x, int64_t k, const int8_t* q, const float* scale,
                                   const float* bias, float* y, int64_t n, int64_t begin, int64_t end) {
  switch (m) {
    case 1: Int8RowsImpl<1>(x, k, q, scale, bias, y, n, begin, end); break;
    case 2: Int8RowsImpl<2>(x, k, q, scale, bias, y, n, begin, end); break;
    case 3: Int8RowsImpl<3>(x, k, q, scale, bias, y, n, begin, end); break;
    case 4: Int8RowsImpl<4>(x, k, q, scale, bias, y, n, begin, end); break;
    case 5: Int8RowsImpl<5>(x, k, q, scale, bias, y, n, begin, end); break;
    case 6: Int8RowsImpl<6>(x, k, q, scale, bias, y, n, begin, end); break;
    case 7: Int8RowsImpl<7>(x, k, q, scale, bias, y, n, begin, end); break;
    case 8: Int8RowsImpl<8>(x, k, q, scale, bias, y, n, begin, end); break;
    default: break;
  }
}

static_assert(kInt8CpuKernelMaxRows == 8, "Int8RowsCpu has instances for 1..8 rows");

at::Tensor Int8LinearCpuKernel(const at::Tensor& x2, const at::Tensor& q, const at::Tensor& scale,
                               const at::Tensor& bias) {
  const int64_t m = x2.size(0), k = x2.size(1), n = q.size(0);
  const at::Tensor xf = x2.to(at::kFloat).contiguous();
  const at::Tensor qc = q.contiguous();
  const at::Tensor sf = scale.to(at::kFloat).contiguous();
  const at::Tensor bf = bias.defined() ? bias.to(at::kFloat).contiguous() : at::Tensor();
  at::Tensor y = at::empty({m, n}, xf.options());
  const float* xp = xf.data_ptr<float>();
  const int8_t* qp = qc.data_ptr<int8_t>();
  const float* sp = sf.data_ptr<float>();
  const float* bp = bf.defined() ? bf.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  // At least ~64k weights per task: below that the pool's overhead shows.
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(k, 1));
  at::parallel_for(0, n, grain, [&](int64_t begin, int64_t end) {
    Int8RowsCpu(static_cast<int>(m), xp, k, qp, sp, bp, yp, n, begin, end);
  });
  return y;
}

}  // namespace

absl::StatusOr<Quantization> ParseQuantization(const std::string& name) {
  if (name == "none") return Quantization::kNone;
  if (name == "int8") return Quantization::kInt8;
  return absl::InvalidArgumentError(absl::StrCat("--quantization must be none or int8, not '", name, "'"));
}

const char* QuantizationName(Quantization quantization) {
  return quantization == Quantization::kInt8 ? "int8" : "none";
}

Int8Rows QuantizeInt8Rows(const at::Tensor& w) {
  TORCH_CHECK(w.dim() == 2, "QuantizeInt8Rows: expected a matrix, got ", w.dim(), " dimensions");
  const at::Tensor wf = w.to(at::kFloat);
  at::Tensor scale = wf.abs().amax({1}) / 127.0;
  // A zero row keeps scale 0 (it dequantizes to zeros); dividing it by 1 gives q = 0.
  const at::Tensor divisor = at::where(scale > 0, scale, at::ones_like(scale));
  at::Tensor q = (wf / divisor.unsqueeze(1)).round_().clamp_(-127, 127).to(at::kChar);
  return {q, scale};
}

void QuantizeInt8RowsInto(const at::Tensor& source, at::Tensor q, at::Tensor scale, int64_t chunk_values) {
  TORCH_CHECK(source.dim() == 2 && q.sizes() == source.sizes() && scale.size(0) == source.size(0),
              "QuantizeInt8RowsInto: shapes differ");
  const int64_t rows = source.size(0), chunk = ChunkRows(source.size(1), chunk_values);
  for (int64_t r = 0; r < rows; r += chunk) {
    const int64_t n = std::min(chunk, rows - r);
    // Moved in the checkpoint's dtype (half the bytes of float32 for half checkpoints), widened there.
    Int8Rows part = QuantizeInt8Rows(source.narrow(0, r, n).to(q.device()));
    q.narrow(0, r, n).copy_(part.q);
    scale.narrow(0, r, n).copy_(part.scale);
  }
}

at::Tensor DequantizeInt8(const at::Tensor& q, const at::Tensor& scale, at::ScalarType dtype) {
  // int8 * float32 promotes to float32 in one pass; then the compute dtype.
  return at::mul(q, scale.to(at::kFloat).unsqueeze(1)).to(dtype);
}

at::Tensor Int8Linear(const at::Tensor& x, const at::Tensor& q, const at::Tensor& scale, const at::Tensor& bias) {
  const int64_t n = q.size(0), k = q.size(1);
  TORCH_CHECK(x.size(-1) == k, "Int8Linear: input has ", x.size(-1), " features, the weight ", k);
  std::vector<int64_t> out_sizes = x.sizes().vec();
  out_sizes.back() = n;
  const at::Tensor x2 = x.reshape({-1, k});
  const int64_t m = x2.size(0);
  if (m == 0) return at::empty(out_sizes, x.options());
  if (x.device().is_cpu() && m <= kInt8CpuKernelMaxRows) {
    return Int8LinearCpuKernel(x2, q, scale, bias).to(x.scalar_type()).view(out_sizes);
  }
  // Larger batches: dequantize a bounded block of output rows at a time and let torch multiply; the
  // dequantization is one pass over the weight, small next to the product at these sizes.
  const int64_t chunk = ChunkRows(k);
  if (n <= chunk) return at::linear(x2, DequantizeInt8(q, scale, x.scalar_type()), bias).view(out_sizes);
  std::vector<at::Tensor> parts;
  for (int64_t r = 0; r < n; r += chunk) {
    const int64_t rows = std::min(chunk, n - r);
    const at::Tensor b = bias.defined() ? bias.narrow(0, r, rows) : at::Tensor();
    parts.push_back(at::linear(x2, DequantizeInt8(q.narrow(0, r, rows), scale.narrow(0, r, rows), x.scalar_type()), b));
  }
  return at::cat(parts, 1).view(out_sizes);
}

}  // namespace basalt::model
