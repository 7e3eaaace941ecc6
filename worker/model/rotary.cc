#include "worker/model/rotary.h"

#include <algorithm>
#include <cmath>

namespace basalt::model {
namespace {

at::Tensor DefaultInvFreq(double base, int dim) {
  // 1 / base^(arange(0, dim, 2) / dim), computed like transformers (int64 arange cast to float32).
  at::Tensor exponents = at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<float>(dim);
  return 1.0 / at::pow(base, exponents);
}

double YarnMscale(double scale, double mscale = 1.0) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

std::pair<at::Tensor, double> YarnInvFreq(const RopeSpec& spec, int dim) {
  const double base = spec.theta;
  const double factor = spec.factor;
  double attention_factor;
  if (spec.attention_factor) {
    attention_factor = *spec.attention_factor;
  } else if (spec.mscale && spec.mscale_all_dim) {
    attention_factor = YarnMscale(factor, *spec.mscale) / YarnMscale(factor, *spec.mscale_all_dim);
  } else {
    attention_factor = YarnMscale(factor);
  }
  const double original = static_cast<double>(spec.original_max_position_embeddings);
  auto correction_dim = [&](double rotations) {
    return (dim * std::log(original / (rotations * 2 * M_PI))) / (2 * std::log(base));
  };
  double low = correction_dim(spec.beta_fast);
  double high = correction_dim(spec.beta_slow);
  if (spec.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, static_cast<double>(dim - 1));
  if (low == high) high += 0.001;
  at::Tensor pos_freqs = at::pow(base, at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<float>(dim));
  at::Tensor extrapolation = 1.0 / pos_freqs;
  at::Tensor interpolation = 1.0 / (factor * pos_freqs);
  at::Tensor ramp = at::clamp((at::arange(dim / 2, at::kFloat) - low) / (high - low), 0, 1);
  at::Tensor extrapolation_factor = 1 - ramp;
  at::Tensor inv = interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor;
  return {inv, attention_factor};
}

at::Tensor Llama3InvFreq(const RopeSpec& spec, int dim) {
  at::Tensor inv = DefaultInvFreq(spec.theta, dim);
  const double old_context = static_cast<double>(spec.original_max_position_embeddings);
  const double low_wavelen = old_context / spec.low_freq_factor;
  const double high_wavelen = old_context / spec.high_freq_factor;
  at::Tensor wavelen = 2 * M_PI / inv;
  at::Tensor scaled = at::where(wavelen > low_wavelen, inv / spec.factor, inv);
  at::Tensor smooth = (old_context / wavelen - spec.low_freq_factor) / (spec.high_freq_factor - spec.low_freq_factor);
  at::Tensor smoothed = (1 - smooth) * scaled / spec.factor + smooth * scaled;
  at::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
  return at::where(medium, smoothed, scaled);
}

}  // namespace

std::pair<at::Tensor, double> ComputeInvFreq(const RopeSpec& spec, int64_t max_position_embeddings) {
  const int dim = spec.rotary_dim;
  switch (spec.scaling) {
    case RopeScaling::kNone:
    case RopeScaling::kDynamic:  // equals default until the sequence outgrows the original length
      return {DefaultInvFreq(spec.theta, dim), 1.0};
    case RopeScaling::kLinear:
      return {DefaultInvFreq(spec.theta, dim) / spec.factor, 1.0};
    case RopeScaling::kLlama3:
      return {Llama3InvFreq(spec, dim), 1.0};
    case RopeScaling::kYarn:
      return YarnInvFreq(spec, dim);
  }
  return {DefaultInvFreq(spec.theta, dim), 1.0};
}

RotaryEmbedding::RotaryEmbedding(const RopeSpec& spec, int head_dim, int64_t max_position_embeddings,
                                 at::Device device)
    : spec_(spec), head_dim_(head_dim) {
  auto [inv, scaling] = ComputeInvFreq(spec, max_position_embeddings);
  inv_freq_ = inv.to(device);
  attention_scaling_ = scaling;
}

std::pair<at::Tensor, at::Tensor> RotaryEmbedding::CosSin(const at::Tensor& positions) const {
  at::Tensor freqs = positions.to(at::kFloat).unsqueeze(1) * inv_freq_.unsqueeze(0);  // [T, rot/2]
  at::Tensor emb = spec_.interleaved ? freqs.repeat_interleave(2, 1) : at::cat({freqs, freqs}, 1);
  at::Tensor cos = emb.cos(), sin = emb.sin();
  if (attention_scaling_ != 1.0) {
    cos = cos * attention_scaling_;
    sin = sin * attention_scaling_;
  }
  return {cos, sin};
}

at::Tensor RotaryEmbedding::RotateHalf(const at::Tensor& x) const {
  const int64_t d = x.size(-1);
  if (spec_.interleaved) {
    // (x0, x1, x2, x3) -> (-x1, x0, -x3, x2)
    at::Tensor pairs = x.unflatten(-1, {d / 2, 2});
    return at::stack({-pairs.select(-1, 1), pairs.select(-1, 0)}, -1).flatten(-2);
  }
  at::Tensor x1 = x.narrow(-1, 0, d / 2), x2 = x.narrow(-1, d / 2, d - d / 2);
  return at::cat({-x2, x1}, -1);
}

void RotaryEmbedding::Apply(at::Tensor& q, at::Tensor& k, const at::Tensor& positions) const {
  auto [cos, sin] = CosSin(positions);
  cos = cos.to(q.scalar_type()).unsqueeze(1);  // [T, 1, rot]
  sin = sin.to(q.scalar_type()).unsqueeze(1);
  const int64_t rot = spec_.rotary_dim;
  auto rotate = [&](const at::Tensor& x) {
    if (rot == x.size(-1)) return x * cos + RotateHalf(x) * sin;
    at::Tensor r = x.narrow(-1, 0, rot), pass = x.narrow(-1, rot, x.size(-1) - rot);
    return at::cat({r * cos + RotateHalf(r) * sin, pass}, -1);
  };
  q = rotate(q);
  k = rotate(k);
}

}  // namespace basalt::model
