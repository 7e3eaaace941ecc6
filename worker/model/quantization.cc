#include "worker/model/quantization.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "worker/model/cpu_skinny_linear.h"

namespace basalt::model {
namespace {

// Float values worked on at a time while quantizing or dequantizing (64 MB in float32), so that the
// working copy stays small next to the model whatever the matrix (a 128k-entry LM head, say).
constexpr int64_t kChunkValues = int64_t{16} << 20;

int64_t ChunkRows(int64_t in, int64_t values = kChunkValues) {
  return std::max<int64_t>(1, values / std::max<int64_t>(in, 1));
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
  if (x.device().is_cpu() && m <= kCpuSkinnyMaxRows) {
    return CpuSkinnyLinear(x2, q, scale, bias).to(x.scalar_type()).view(out_sizes);
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
