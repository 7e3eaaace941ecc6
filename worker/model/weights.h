#pragma once
// The model's weights in the canonical layout the shared layers use: Linear weights as [out, in], q/k/v
// fused into one projection, gate/up fused into one. Loaded from the checkpoint through the family's
// WeightNames, converted to the compute dtype and moved to the device once.
#include <ATen/ATen.h>

#include <vector>

#include "absl/status/statusor.h"
#include "worker/model/model_spec.h"
#include "worker/model/safetensors.h"

namespace basalt::model {

struct NormWeights {
  at::Tensor weight;  // undefined when the model has no such norm
  at::Tensor bias;    // LayerNorm bias, undefined for RMSNorm
  bool defined() const { return weight.defined(); }
};

struct LinearWeights {
  at::Tensor weight;  // [out_features, in_features]
  at::Tensor bias;    // [out_features] or undefined
};

struct LayerWeights {
  NormWeights input_norm;
  NormWeights post_attention_norm;
  NormWeights pre_feedforward_norm;
  NormWeights post_feedforward_norm;
  NormWeights q_norm, k_norm;
  LinearWeights qkv;      // rows: q heads, then k heads, then v heads
  LinearWeights o;
  LinearWeights gate_up;  // gated MLP: rows gate then up; plain MLP: just up
  LinearWeights down;
};

struct ModelWeights {
  at::Tensor embed_tokens;         // [vocab, hidden]
  at::Tensor position_embeddings;  // [positions, hidden] or undefined
  NormWeights embedding_norm;
  NormWeights final_norm;
  at::Tensor lm_head;  // [vocab, hidden]; the same tensor as embed_tokens when tied
  std::vector<LayerWeights> layers;
  int64_t num_parameters = 0;
};

// Loads every weight the spec names. Missing or mis-shaped weights are errors that name them.
absl::StatusOr<ModelWeights> LoadModelWeights(const ModelSpec& spec, const WeightFiles& files,
                                              at::ScalarType dtype, at::Device device);

// at::ScalarType of a safetensors dtype (InvalidArgument for the ones torch lacks here).
absl::StatusOr<at::ScalarType> ToScalarType(DType dtype);

}  // namespace basalt::model
