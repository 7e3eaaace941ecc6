#pragma once
// Shared building blocks of every family: norms, linear projections, activations, MLPs. Each follows
// the numerics of its transformers counterpart (e.g. RMSNorm in float32, cast back before the weight).
#include <ATen/ATen.h>

#include "worker/model/model_spec.h"
#include "worker/model/weights.h"

namespace basalt::model {

// RMSNorm (Llama: weight * x/rms(x); Gemma: x/rms(x) * (1 + weight), all in float32) or LayerNorm.
at::Tensor ApplyNorm(const at::Tensor& x, const NormWeights& w, const NormSpec& spec);

at::Tensor ApplyLinear(const at::Tensor& x, const LinearWeights& w);

at::Tensor ApplyActivation(const at::Tensor& x, Activation activation);

// Gated: down(act(gate(x)) * up(x)); plain: down(act(up(x))).
at::Tensor ApplyMlp(const at::Tensor& x, const LayerWeights& w, const MlpSpec& spec);

}  // namespace basalt::model
