#pragma once
// Rotary position embeddings with the frequency rescalings of transformers' ROPE_INIT_FUNCTIONS
// (default, linear, dynamic NTK, llama3, yarn). cos/sin are computed in float32 from positions, as
// transformers does, then cast to the activations' dtype.
#include <ATen/ATen.h>

#include "worker/model/model_spec.h"

namespace basalt::model {

class RotaryEmbedding {
 public:
  RotaryEmbedding(const RopeSpec& spec, int head_dim, int64_t max_position_embeddings, at::Device device);

  // Rotates q [T, heads, head_dim] and k [T, kv_heads, head_dim] in place by their positions [T].
  void Apply(at::Tensor& q, at::Tensor& k, const at::Tensor& positions) const;

  // cos and sin [T, rotary_dim] (halves repeated, or pairs interleaved) in float32.
  std::pair<at::Tensor, at::Tensor> CosSin(const at::Tensor& positions) const;

  const at::Tensor& inv_freq() const { return inv_freq_; }
  double attention_scaling() const { return attention_scaling_; }
  int rotary_dim() const { return spec_.rotary_dim; }
  bool interleaved() const { return spec_.interleaved; }

 private:
  at::Tensor RotateHalf(const at::Tensor& x) const;
  RopeSpec spec_;
  int head_dim_;
  at::Tensor inv_freq_;  // [rotary_dim / 2] float32
  double attention_scaling_ = 1.0;
};

// The inverse frequencies and cos/sin scale for a spec (exposed for tests).
std::pair<at::Tensor, double> ComputeInvFreq(const RopeSpec& spec, int64_t max_position_embeddings);

}  // namespace basalt::model
