// The CPU one-pass kernel for decode-sized products against torch's float32 linear, for float32 and int8
// weights, every row count it takes, k with and without a 16-value tail, with and without bias.
#include "worker/model/cpu_skinny_linear.h"

#include <gtest/gtest.h>

#include "worker/model/quantization.h"

namespace basalt::model {
namespace {

double RelativeError(const at::Tensor& out, const at::Tensor& ref) {
  return (out.to(at::kDouble) - ref.to(at::kDouble)).norm().item<double>() / ref.to(at::kDouble).norm().item<double>();
}

TEST(CpuSkinnyLinearTest, MatchesTorchForFloatAndInt8Weights) {
  at::manual_seed(11);
  for (int64_t k : {384, 389}) {
    const at::Tensor w = at::randn({1031, k});
    const Int8Rows q = QuantizeInt8Rows(w);
    const at::Tensor dequantized = DequantizeInt8(q.q, q.scale, at::kFloat);
    for (bool with_bias : {false, true}) {
      const at::Tensor bias = with_bias ? at::randn({1031}) : at::Tensor();
      for (int64_t m = 1; m <= kCpuSkinnyMaxRows; ++m) {
        const at::Tensor x = at::randn({m, k});
        EXPECT_LT(RelativeError(CpuSkinnyLinear(x, w, at::Tensor(), bias), at::linear(x, w, bias)), 1e-6)
            << "float m " << m << " k " << k;
        EXPECT_LT(RelativeError(CpuSkinnyLinear(x, q.q, q.scale, bias), at::linear(x, dequantized, bias)), 1e-6)
            << "int8 m " << m << " k " << k;
      }
    }
  }
}

}  // namespace
}  // namespace basalt::model
