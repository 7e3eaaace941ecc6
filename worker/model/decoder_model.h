#pragma once
// A decoder-only transformer described by a ModelSpec: embeddings, N identical layers of
// (norm, attention, norm, MLP) with the family's variations, final norm and LM head. Runs one
// flattened batch of new tokens over the paged KV cache.
#include <ATen/ATen.h>

#include <memory>

#include "absl/status/statusor.h"
#include "worker/model/kv_cache.h"
#include "worker/model/layer_ops.h"
#include "worker/model/model_spec.h"
#include "worker/model/paged_attention.h"
#include "worker/model/rotary.h"
#include "worker/model/safetensors.h"
#include "worker/model/weights.h"

namespace basalt::model {

class DecoderModel {
 public:
  static absl::StatusOr<std::unique_ptr<DecoderModel>> Load(const ModelSpec& spec, const WeightFiles& files,
                                                            at::ScalarType dtype, at::Device device);

  struct Output {
    at::Tensor logits;  // [L, vocab] float32, one row per requested index
    at::Tensor hidden;  // [L, hidden]: last hidden state (after the final norm) of those positions
  };

  // Runs the new tokens `input_ids` [T] (positions and cache slots in `batch`), writes their k/v into
  // `cache`, and returns logits for the flattened token indices in `logits_indices` [L] (int64).
  Output Forward(const at::Tensor& input_ids, const AttentionBatch& batch, KvCache& cache,
                 const at::Tensor& logits_indices) const;

  const ModelSpec& spec() const { return spec_; }
  at::ScalarType dtype() const { return dtype_; }
  at::Device device() const { return device_; }
  int64_t num_parameters() const { return weights_.num_parameters; }

  // True when the fused GPU kernels are in use.
  bool uses_cuda_kernels() const { return cuda_kernels_; }

 private:
  DecoderModel(ModelSpec spec, ModelWeights weights, at::ScalarType dtype, at::Device device);
  at::Tensor Embed(const at::Tensor& input_ids, const AttentionBatch& batch) const;
  at::Tensor AttentionBlock(int layer, const at::Tensor& x, const AttentionBatch& batch, KvCache& cache) const;
  at::Tensor Mlp(int layer, const at::Tensor& x) const;
  // Pre-norm sequential layers (Llama and most families), written around the residual stream so that
  // "residual += sublayer output; normalize" is one fused operation.
  at::Tensor ForwardPreNorm(at::Tensor x, const AttentionBatch& batch, KvCache& cache,
                            const at::Tensor& logits_indices) const;
  // The other layouts (parallel residual, sandwich norms), plain torch.
  at::Tensor ForwardGeneric(at::Tensor x, const AttentionBatch& batch, KvCache& cache,
                            const at::Tensor& logits_indices) const;

  ModelSpec spec_;
  ModelWeights weights_;
  at::ScalarType dtype_;
  at::Device device_;
  std::unique_ptr<RotaryEmbedding> rotary_;
  AttentionParams full_params_, window_params_;
  std::unique_ptr<LayerOps> ops_;
  bool cuda_kernels_ = false;
};

}  // namespace basalt::model
