// The int8 weight quantizer (per-output-channel symmetric) and the CPU int8 Linear against a
// dequantized float reference.
#include "worker/model/quantization.h"

#include <gtest/gtest.h>

#include "worker/model/layers.h"

namespace basalt::model {
namespace {

TEST(QuantizationTest, ParsesTheFlagValues) {
  EXPECT_EQ(*ParseQuantization("none"), Quantization::kNone);
  EXPECT_EQ(*ParseQuantization("int8"), Quantization::kInt8);
  EXPECT_FALSE(ParseQuantization("int4").ok());
  EXPECT_FALSE(ParseQuantization("").ok());
  EXPECT_STREQ(QuantizationName(Quantization::kInt8), "int8");
  EXPECT_STREQ(QuantizationName(Quantization::kNone), "none");
}

TEST(QuantizationTest, ScaleIsEachRowsMaxOver127) {
  at::manual_seed(1);
  // Rows of very different magnitudes: each gets its own scale.
  at::Tensor w = at::randn({6, 100}) * at::tensor({1e-4, 1e-2, 1.0, 3.0, 100.0, 0.5}).unsqueeze(1);
  Int8Rows q = QuantizeInt8Rows(w);
  ASSERT_EQ(q.q.scalar_type(), at::kChar);
  ASSERT_EQ(q.scale.scalar_type(), at::kFloat);
  ASSERT_EQ(q.q.sizes(), w.sizes());
  ASSERT_EQ(q.scale.sizes(), (std::vector<int64_t>{6}));
  for (int64_t r = 0; r < 6; ++r) {
    const double max_abs = w[r].abs().max().item<double>();
    EXPECT_NEAR(q.scale[r].item<double>(), max_abs / 127, max_abs / 127 * 1e-6) << "row " << r;
    // The largest magnitude lands on +-127 exactly, nothing beyond.
    EXPECT_EQ(q.q[r].to(at::kInt).abs().max().item<int>(), 127) << "row " << r;
  }
}

TEST(QuantizationTest, RoundTripErrorIsAtMostHalfAStep) {
  at::manual_seed(2);
  at::Tensor w = at::randn({64, 333});
  w[5][7] = 40.0;  // an outlier widens its row's step, not the others'
  Int8Rows q = QuantizeInt8Rows(w);
  at::Tensor back = DequantizeInt8(q.q, q.scale, at::kFloat);
  at::Tensor error = (back - w).abs();
  at::Tensor bound = q.scale.unsqueeze(1) / 2 * (1 + 1e-5) + 1e-12;
  EXPECT_TRUE((error <= bound).all().item<bool>()) << "max error / step " << (error / q.scale.unsqueeze(1)).max();
  // Rounding to nearest: the mean error over many weights is about a quarter step, far from half.
  const double mean_steps = (error / q.scale.unsqueeze(1)).mean().item<double>();
  EXPECT_NEAR(mean_steps, 0.25, 0.02);
  // The outlier's row is coarse, the others keep their resolution.
  EXPECT_GT(q.scale[5].item<double>(), 10 * q.scale[4].item<double>());
  // Relative error of the Gaussian rows: under a percent (step ~ 3 sigma / 127, RMS error step / sqrt(12)).
  at::Tensor plain = at::cat({w.narrow(0, 0, 5), w.narrow(0, 6, 58)}), plain_back = at::cat({back.narrow(0, 0, 5), back.narrow(0, 6, 58)});
  const double relative = ((plain_back - plain).norm() / plain.norm()).item<double>();
  EXPECT_LT(relative, 0.01);
}

TEST(QuantizationTest, ZeroRowsStayZeroWithoutNaN) {
  at::Tensor w = at::randn({4, 32});
  w[1].zero_();
  w[3].zero_();
  Int8Rows q = QuantizeInt8Rows(w);
  EXPECT_EQ(q.scale[1].item<float>(), 0.f);
  EXPECT_EQ(q.scale[3].item<float>(), 0.f);
  EXPECT_TRUE(q.q[1].eq(0).all().item<bool>());
  EXPECT_TRUE(q.q[3].eq(0).all().item<bool>());
  at::Tensor back = DequantizeInt8(q.q, q.scale, at::kFloat);
  EXPECT_FALSE(at::isnan(back).any().item<bool>());
  EXPECT_TRUE(back[1].eq(0).all().item<bool>());
  EXPECT_GT(q.scale[0].item<float>(), 0.f);
}

TEST(QuantizationTest, HalfInputsAndChunkedStridedSourcesQuantizeTheSame) {
  at::manual_seed(3);
  at::Tensor w = at::randn({300, 48}).to(at::kBFloat16);
  Int8Rows direct = QuantizeInt8Rows(w);
  // The loader's path: a transposed (Conv1D) view of the checkpoint, into rows of a larger tensor.
  at::Tensor stored = w.t().contiguous();  // [48, 300] as GPT-2 stores it
  at::Tensor q = at::full({310, 48}, 99, at::kChar), scale = at::full({310}, -1.f);
  // 7 rows at a time: 43 chunks, the last one short.
  QuantizeInt8RowsInto(stored.t(), q.narrow(0, 10, 300), scale.narrow(0, 10, 300), 7 * 48);
  EXPECT_TRUE(q.narrow(0, 10, 300).equal(direct.q));
  EXPECT_TRUE(scale.narrow(0, 10, 300).equal(direct.scale));
  EXPECT_TRUE(q.narrow(0, 0, 10).eq(99).all().item<bool>()) << "rows outside the target were written";
}

// y = x (q * scale)^T + b in float64: what Int8Linear must reproduce.
at::Tensor Reference(const at::Tensor& x, const Int8Rows& w, const at::Tensor& bias) {
  at::Tensor dense = DequantizeInt8(w.q, w.scale, at::kDouble);
  return at::linear(x.to(at::kDouble), dense, bias.defined() ? bias.to(at::kDouble) : at::Tensor());
}

double RelativeError(const at::Tensor& out, const at::Tensor& ref) {
  at::Tensor o = out.to(at::kDouble);
  return (o - ref).norm().item<double>() / std::max(ref.norm().item<double>(), 1e-30);
}

TEST(QuantizationTest, CpuInt8LinearMatchesDequantizedReference) {
  at::manual_seed(4);
  // 1..8 rows take the int8 kernel, 9 and 40 the dequantize-then-GEMM path; k = 77 and 8 exercise the
  // kernel's tail (not a multiple of 16) and a row shorter than one vector.
  for (int64_t k : {64, 77, 8, 2048}) {
    for (int64_t n : {1, 37, 300}) {
      Int8Rows w = QuantizeInt8Rows(at::randn({n, k}) * 0.05);
      for (bool with_bias : {false, true}) {
        at::Tensor bias = with_bias ? at::randn({n}) : at::Tensor();
        for (int64_t m : {1, 2, 3, 5, 8, 9, 40}) {
          at::Tensor x = at::randn({m, k});
          at::Tensor y = Int8Linear(x, w.q, w.scale, bias);
          ASSERT_EQ(y.sizes(), (std::vector<int64_t>{m, n}));
          EXPECT_EQ(y.scalar_type(), at::kFloat);
          EXPECT_LT(RelativeError(y, Reference(x, w, bias)), 1e-5) << m << "x" << n << "x" << k << " bias " << with_bias;
        }
      }
    }
  }
}

TEST(QuantizationTest, CpuInt8LinearKeepsTheInputsDtypeAndShape) {
  at::manual_seed(5);
  Int8Rows w = QuantizeInt8Rows(at::randn({40, 96}));
  at::Tensor bias = at::randn({40}).to(at::kBFloat16);
  at::Tensor x = at::randn({2, 3, 96}).to(at::kBFloat16);  // [batch, tokens, in]: 6 rows, the kernel
  at::Tensor y = Int8Linear(x, w.q, w.scale, bias);
  EXPECT_EQ(y.scalar_type(), at::kBFloat16);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 40}));
  EXPECT_LT(RelativeError(y.reshape({6, 40}), Reference(x.reshape({6, 96}), w, bias)), 1e-2);
  EXPECT_EQ(Int8Linear(at::randn({0, 96}), w.q, w.scale, at::Tensor()).sizes(), (std::vector<int64_t>{0, 40}));
}

TEST(QuantizationTest, ApplyLinearTakesInt8Weights) {
  at::manual_seed(6);
  at::Tensor dense = at::randn({24, 32});
  Int8Rows q = QuantizeInt8Rows(dense);
  LinearWeights w{q.q, at::randn({24}), q.scale};
  ASSERT_TRUE(w.quantized());
  at::Tensor x = at::randn({3, 32});
  // Against the unquantized layer: off by the rounding alone (~0.3% of the output's size).
  EXPECT_LT(RelativeError(ApplyLinear(x, w), at::linear(x, dense, w.bias).to(at::kDouble)), 0.01);
  EXPECT_LT(RelativeError(ApplyLinear(x, w), Reference(x, q, w.bias)), 1e-5);
}

// A large matrix takes the row-chunked dequantization path (more than kChunkValues values).
TEST(QuantizationTest, LargeWeightsAreDequantizedInChunks) {
  at::manual_seed(7);
  const int64_t n = 4200, k = 4096;  // 17.2M values > the 16M chunk
  Int8Rows w{at::randint(-127, 128, {n, k}, at::kChar), at::rand({n}) * 0.01};
  at::Tensor bias = at::randn({n});
  at::Tensor x = at::randn({12, k});
  EXPECT_LT(RelativeError(Int8Linear(x, w.q, w.scale, bias), Reference(x, w, bias)), 1e-5);
}

}  // namespace
}  // namespace basalt::model
