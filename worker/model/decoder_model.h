#pragma once
// A decoder-only transformer described by a ModelSpec: embeddings, N identical layers of
// (norm, attention, norm, MLP) with the family's variations, final norm and LM head. Runs one
// flattened batch of new tokens over the paged KV cache. With spec.cross_attention it is the decoder of
// an encoder-decoder model: its layers also attend to the encoder states named in the batch.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/model/cross_attention.h"
#include "worker/model/generative_model.h"
#include "worker/model/kv_cache.h"
#include "worker/model/layer_ops.h"
#include "worker/model/model_spec.h"
#include "worker/model/paged_attention.h"
#include "worker/model/rotary.h"
#include "worker/model/safetensors.h"
#include "worker/model/weights.h"

namespace basalt::model {

class DecoderModel final : public GenerativeModel {
 public:
  static absl::StatusOr<std::unique_ptr<DecoderModel>> Load(const ModelSpec& spec, const WeightFiles& files,
                                                            at::ScalarType dtype, at::Device device,
                                                            Quantization quantization = Quantization::kNone);

  Output Forward(const at::Tensor& input_ids, const AttentionBatch& batch, KvCache& cache,
                 const at::Tensor& logits_indices) const override;

  // Cross-attention keys and values of every layer for an encoder output [S, hidden].
  std::shared_ptr<const EncoderState> MakeEncoderState(const at::Tensor& encoder_hidden) const;

  const ModelSpec& spec() const override { return spec_; }
  at::ScalarType dtype() const override { return dtype_; }
  at::Device device() const override { return device_; }
  int64_t num_parameters() const override { return weights_.num_parameters; }
  int64_t weight_bytes() const override { return weights_.bytes; }
  bool uses_cuda_kernels() const override { return cuda_kernels_; }
  // True when a decode step runs on device tensors alone (the fused kernels serve every layer's
  // attention), as CUDA graph capture needs: not with ALiBi or T5's relative bias, for instance.
  bool SupportsCudaGraphs() const;
  const at::Tensor& embed_tokens() const { return weights_.embed_tokens; }

 private:
  DecoderModel(ModelSpec spec, ModelWeights weights, at::ScalarType dtype, at::Device device);
  // Self-attention up to, not including, the output projection; with `norm`, x is normalized first
  // (fused into the qkv projection where LayerOps can).
  at::Tensor SelfAttention(int layer, const at::Tensor& x, const NormWeights* norm, const AttentionBatch& batch,
                           KvCache& cache) const;
  at::Tensor AttentionBlock(int layer, const at::Tensor& x, const AttentionBatch& batch, KvCache& cache) const;
  at::Tensor CrossAttentionBlock(int layer, const at::Tensor& x, const AttentionBatch& batch) const;
  // The MLP up to, not including, the down projection; `norm` as for SelfAttention.
  at::Tensor MlpHidden(int layer, const at::Tensor& x, const NormWeights* norm) const;
  at::Tensor Mlp(int layer, const at::Tensor& x) const;
  // Pre-norm sequential layers (Llama and most families), written around the residual stream: each
  // sublayer's norm goes into its first projection and its last projection adds into the stream, so on
  // CUDA a decode step runs five kernels per layer (LayerOps' fused forms). Returns the logits rows
  // before the final norm (Forward fuses that into the LM head).
  at::Tensor ForwardPreNorm(at::Tensor x, const AttentionBatch& batch, KvCache& cache,
                            const at::Tensor& logits_indices) const;
  // The other layouts (parallel residual, sandwich and post norms, cross-attention), plain torch.
  at::Tensor ForwardGeneric(at::Tensor x, const AttentionBatch& batch, KvCache& cache,
                            const at::Tensor& logits_indices) const;

  ModelSpec spec_;
  ModelWeights weights_;
  at::ScalarType dtype_;
  at::Device device_;
  std::unique_ptr<RotaryEmbedding> rotary_;
  std::vector<AttentionParams> layer_params_;  // per layer (sliding window, scale)
  std::unique_ptr<LayerOps> ops_;
  bool cuda_kernels_ = false;
};

}  // namespace basalt::model
