#pragma once
// An encoder-decoder transformer (T5, BART): the encoder stack runs once over a request's prompt with
// bidirectional attention; the decoder (a DecoderModel with cross-attention) generates over the paged KV
// cache like a decoder-only model, its cross-attention reading the request's EncoderState.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/model/decoder_model.h"
#include "worker/model/generative_model.h"
#include "worker/model/weights.h"

namespace basalt::model {

class EncoderDecoderModel final : public GenerativeModel {
 public:
  // `spec` is the decoder's, with spec.encoder set.
  static absl::StatusOr<std::unique_ptr<EncoderDecoderModel>> Load(const ModelSpec& spec, const WeightFiles& files,
                                                                   at::ScalarType dtype, at::Device device,
                                                                   Quantization quantization = Quantization::kNone);

  Output Forward(const at::Tensor& input_ids, const AttentionBatch& batch, KvCache& cache,
                 const at::Tensor& logits_indices) const override {
    return decoder_->Forward(input_ids, batch, cache, logits_indices);
  }
  std::shared_ptr<const EncoderState> Encode(const std::vector<int32_t>& prompt_ids) const override;

  const ModelSpec& spec() const override { return decoder_->spec(); }
  at::ScalarType dtype() const override { return decoder_->dtype(); }
  at::Device device() const override { return decoder_->device(); }
  int64_t num_parameters() const override { return decoder_->num_parameters() + encoder_weights_.num_parameters; }
  int64_t weight_bytes() const override { return decoder_->weight_bytes() + encoder_weights_.bytes; }
  bool uses_cuda_kernels() const override { return decoder_->uses_cuda_kernels(); }

  // The encoder's final hidden states for `ids` [S] (exposed for tests).
  at::Tensor RunEncoder(const at::Tensor& ids) const;

 private:
  EncoderDecoderModel(std::unique_ptr<DecoderModel> decoder, ModelWeights encoder_weights);
  at::Tensor EncoderSelfAttention(int layer, const at::Tensor& x, const at::Tensor& bias) const;

  std::unique_ptr<DecoderModel> decoder_;
  const ModelSpec& encoder_spec_;  // owned by the decoder's spec
  ModelWeights encoder_weights_;
};

}  // namespace basalt::model
