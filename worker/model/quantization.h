#pragma once
// Weight-only int8 quantization (--quantization int8). A Linear weight [out, in] is stored as int8 with
// one float32 scale per output row (symmetric, per output channel):
//   scale[r] = max_k |w[r, k]| / 127,   q[r, k] = round(w[r, k] / scale[r])   (a zero row: scale 0, q 0)
// and applied as y[t, r] = scale[r] * sum_k x[t, k] q[r, k] + bias[r], with activations, biases and the
// result in the compute dtype and the sum in float32. Rounding error per weight is at most scale / 2.
#include <ATen/ATen.h>

#include <string>

#include "absl/status/statusor.h"

namespace basalt::model {

enum class Quantization { kNone, kInt8 };

// "none" or "int8" (InvalidArgument otherwise).
absl::StatusOr<Quantization> ParseQuantization(const std::string& name);
const char* QuantizationName(Quantization quantization);

struct Int8Rows {
  at::Tensor q;      // [rows, in] int8
  at::Tensor scale;  // [rows] float32
};

// Quantizes the rows of `w` [rows, in] (any floating dtype and strides) on w's device.
Int8Rows QuantizeInt8Rows(const at::Tensor& w);

// Quantizes `source` [rows, in] (e.g. a checkpoint tensor in the mapping, on the CPU, any strides) into
// `q` and `scale` (rows of the model's tensors, on its device), whole rows of at most `chunk_values`
// values at a time (64 MB in float32 by default) so that the working copy stays small whatever the matrix.
void QuantizeInt8RowsInto(const at::Tensor& source, at::Tensor q, at::Tensor scale,
                          int64_t chunk_values = int64_t{16} << 20);

// q * scale per row, as `dtype` [rows, in].
at::Tensor DequantizeInt8(const at::Tensor& q, const at::Tensor& scale, at::ScalarType dtype);

// x [T, in] times the int8 weight (q, scale) plus bias: [T, out] in x's dtype. On the CPU, decode-sized T
// (<= kCpuSkinnyMaxRows, cpu_skinny_linear.h) runs a kernel that reads the int8 rows directly (a quarter
// of float32's bytes); otherwise, and on other devices, the weight is dequantized for the call and torch
// multiplies.
at::Tensor Int8Linear(const at::Tensor& x, const at::Tensor& q, const at::Tensor& scale, const at::Tensor& bias);

}  // namespace basalt::model
