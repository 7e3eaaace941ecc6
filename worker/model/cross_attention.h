#pragma once
// Cross-attention of encoder-decoder models. The encoder runs once per request; each decoder layer's
// keys and values of its output are computed then and kept with the request (not in the paged cache:
// they never grow), and every decoder step attends to them.
#include <ATen/ATen.h>

#include <vector>

#include "worker/model/paged_attention.h"

namespace basalt::model {

struct EncoderState {
  int64_t length = 0;                    // encoder tokens
  std::vector<at::Tensor> keys, values;  // per decoder layer: [length, heads, head_dim]
};

// Attention of q [T, heads, head_dim] (the step's decoder tokens, sequence by sequence as in `batch`) over
// each sequence's encoder state at `layer`; returns [T, heads * head_dim]. No mask: every decoder token
// sees the whole source.
at::Tensor CrossAttention(const at::Tensor& q, const AttentionBatch& batch, int layer, double scale);

// Bidirectional attention of one whole sequence: q, k, v [S, heads, head_dim] (as many kv heads as
// heads), optional additive bias [heads, S, S]; returns [S, heads * head_dim]. The encoder's
// self-attention.
at::Tensor DenseAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                          double scale);

}  // namespace basalt::model
