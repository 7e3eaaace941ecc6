#pragma once
// The model's weights in the canonical layout the shared layers use: Linear weights as [out, in], q/k/v
// fused into one projection, gate/up fused into one. Loaded from the checkpoint through the family's
// WeightNames, converted to the compute dtype and moved to the device once. With Quantization::kInt8 the
// Linear weights are stored as int8 with a scale per output row instead (worker/model/quantization.h).
#include <ATen/ATen.h>

#include <vector>

#include "absl/status/statusor.h"
#include "worker/model/model_spec.h"
#include "worker/model/quantization.h"
#include "worker/model/safetensors.h"

namespace basalt::model {

struct NormWeights {
  at::Tensor weight;  // undefined when the model has no such norm, or a norm without parameters
  at::Tensor bias;    // LayerNorm bias, undefined for RMSNorm
  bool present = false;  // the model has this norm (with or without parameters)
  bool defined() const { return present; }
};

struct LinearWeights {
  at::Tensor weight;  // [out_features, in_features]: the compute dtype, or int8 when `scale` is defined
  at::Tensor bias;    // [out_features] or undefined; always the compute dtype
  at::Tensor scale;   // [out_features] float32 for an int8 weight (--quantization int8), else undefined
  bool quantized() const { return scale.defined(); }
};

struct LayerWeights {
  NormWeights input_norm;
  NormWeights post_attention_norm;
  NormWeights pre_feedforward_norm;
  NormWeights post_feedforward_norm;
  NormWeights q_norm, k_norm;
  LinearWeights qkv;      // rows: q heads, then k heads, then v heads
  LinearWeights o;
  // Encoder-decoder decoders: attention over the encoder's output.
  NormWeights cross_norm;
  LinearWeights cross_q;
  LinearWeights cross_kv;  // rows: k heads, then v heads (applied to the encoder output once per request)
  LinearWeights cross_o;
  LinearWeights gate_up;  // gated MLP: rows gate then up; plain MLP: just up
  LinearWeights down;
};

struct ModelWeights {
  at::Tensor embed_tokens;         // [vocab, embedding_dim]
  at::Tensor position_embeddings;  // [positions, hidden] or undefined
  NormWeights embedding_norm;
  LinearWeights project_in;        // [hidden, embedding_dim] or undefined (OPT)
  LinearWeights project_out;       // [embedding_dim, hidden] or undefined
  at::Tensor relative_bias;        // [num_buckets, heads] float32 or undefined (T5)
  NormWeights final_norm;
  // weight [vocab, embedding_dim]: the embed_tokens tensor itself when tied (never quantized then);
  // bias [vocab] (BART final_logits_bias) or undefined.
  LinearWeights lm_head;
  std::vector<LayerWeights> layers;
  int64_t num_parameters = 0;
  // Bytes these weights occupy on the device (a table shared with another stack is counted there).
  int64_t bytes = 0;
};

// Loads every weight the spec names. Missing or mis-shaped weights are errors that name them. When
// `shared_embedding` is given (an encoder sharing the decoder's table), it is used instead of reading
// the spec's embed_tokens again; an encoder stack has no head. `quantization` applies to every Linear
// projection (and an untied head); embeddings, norms and biases keep the compute dtype.
absl::StatusOr<ModelWeights> LoadModelWeights(const ModelSpec& spec, const WeightFiles& files,
                                              at::ScalarType dtype, at::Device device,
                                              const at::Tensor& shared_embedding = at::Tensor(),
                                              Quantization quantization = Quantization::kNone);

// at::ScalarType of a safetensors dtype (InvalidArgument for the ones torch lacks here).
absl::StatusOr<at::ScalarType> ToScalarType(DType dtype);

}  // namespace basalt::model
