#include "worker/model/layers.h"

namespace basalt::model {

at::Tensor ApplyNorm(const at::Tensor& x, const NormWeights& w, const NormSpec& spec) {
  if (spec.type == NormType::kLayerNorm) {
    return at::layer_norm(x, {x.size(-1)}, w.weight, w.bias, spec.eps);
  }
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean({-1}, /*keepdim=*/true) + spec.eps);
  if (spec.unit_offset) return (normed * (w.weight.to(at::kFloat) + 1.0)).to(x.scalar_type());
  return w.weight * normed.to(x.scalar_type());
}

at::Tensor ApplyLinear(const at::Tensor& x, const LinearWeights& w) {
  return at::linear(x, w.weight, w.bias);
}

at::Tensor ApplyActivation(const at::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::kSilu: return at::silu(x);
    case Activation::kGelu: return at::gelu(x);
    case Activation::kGeluTanh: return at::gelu(x, "tanh");
    case Activation::kRelu: return at::relu(x);
  }
  return x;
}

at::Tensor ApplyMlp(const at::Tensor& x, const LayerWeights& w, const MlpSpec& spec) {
  at::Tensor h = ApplyLinear(x, w.gate_up);
  if (spec.gated) {
    auto parts = h.chunk(2, -1);
    h = ApplyActivation(parts[0], spec.activation) * parts[1];
  } else {
    h = ApplyActivation(h, spec.activation);
  }
  return ApplyLinear(h, w.down);
}

}  // namespace basalt::model
