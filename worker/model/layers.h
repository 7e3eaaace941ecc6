#pragma once
// Shared building blocks of every family: norms, linear projections, activations, MLPs, embeddings and
// residual sublayers. Each follows the numerics of its transformers counterpart (e.g. RMSNorm in
// float32, cast back before the weight).
#include <ATen/ATen.h>

#include <functional>

#include "worker/model/model_spec.h"
#include "worker/model/weights.h"

namespace basalt::model {

// RMSNorm (Llama: weight * x/rms(x); Gemma: x/rms(x) * (1 + weight), all in float32) or LayerNorm
// (with or without weight and bias).
at::Tensor ApplyNorm(const at::Tensor& x, const NormWeights& w, const NormSpec& spec);

// x [..., in] -> [..., out]; int8 weights go through Int8Linear (quantization.h).
at::Tensor ApplyLinear(const at::Tensor& x, const LinearWeights& w);

at::Tensor ApplyActivation(const at::Tensor& x, Activation activation);

// Gated: down(act(gate(x)) * up(x)); plain: down(act(up(x))).
at::Tensor ApplyMlp(const at::Tensor& x, const LayerWeights& w, const MlpSpec& spec);

// Token embedding of `ids` at `positions` (both [T] int64): the table lookup, the family's multiplier,
// project_in, learned positions and the embedding norm, in transformers' order.
at::Tensor EmbedTokens(const ModelSpec& spec, const ModelWeights& w, const at::Tensor& ids, const at::Tensor& positions);
// The same after the table lookup: `looked_up` is embed_tokens[ids] (a caller that did the lookup itself).
at::Tensor FinishEmbedding(const ModelSpec& spec, const ModelWeights& w, at::Tensor looked_up, const at::Tensor& positions);

// One residual sublayer `f` in the spec's arrangement: pre-norm x + f(norm(x)) (sandwich: the output
// normalized again by `after`; residual_from_norm: norm(x) + f(norm(x))) or post-norm norm(x + f(x)).
at::Tensor ApplySublayer(const ModelSpec& spec, const at::Tensor& x, const NormWeights& norm, const NormWeights* after,
                         const std::function<at::Tensor(const at::Tensor&)>& f);

}  // namespace basalt::model
