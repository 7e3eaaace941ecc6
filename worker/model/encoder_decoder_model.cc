#include "worker/model/encoder_decoder_model.h"

#include <cmath>

#include "worker/model/cross_attention.h"
#include "worker/model/layers.h"
#include "worker/model/relative_position.h"
#include "worker/model/torch_status.h"

namespace basalt::model {

absl::StatusOr<std::unique_ptr<EncoderDecoderModel>> EncoderDecoderModel::Load(const ModelSpec& spec,
                                                                               const WeightFiles& files,
                                                                               at::ScalarType dtype, at::Device device,
                                                                               Quantization quantization) {
  if (!spec.encoder) return absl::InvalidArgumentError("an encoder-decoder model needs an encoder spec");
  auto decoder = DecoderModel::Load(spec, files, dtype, device, quantization);
  if (!decoder.ok()) return decoder.status();
  // The encoder shares the decoder's token table when the checkpoint names the same one (T5 "shared",
  // BART "model.shared"): it is read once.
  const bool shared = spec.encoder->weights.embed_tokens == spec.weights.embed_tokens;
  auto encoder = LoadModelWeights(*spec.encoder, files, dtype, device,
                                  shared ? (*decoder)->embed_tokens() : at::Tensor(), quantization);
  if (!encoder.ok()) return encoder.status();
  return GuardTorch([&]() -> absl::StatusOr<std::unique_ptr<EncoderDecoderModel>> {
    return std::unique_ptr<EncoderDecoderModel>(new EncoderDecoderModel(std::move(*decoder), std::move(*encoder)));
  });
}

EncoderDecoderModel::EncoderDecoderModel(std::unique_ptr<DecoderModel> decoder, ModelWeights encoder_weights)
    : decoder_(std::move(decoder)), encoder_spec_(*decoder_->spec().encoder),
      encoder_weights_(std::move(encoder_weights)) {}

at::Tensor EncoderDecoderModel::EncoderSelfAttention(int layer, const at::Tensor& x, const at::Tensor& bias) const {
  const AttentionSpec& a = encoder_spec_.attention;
  const LayerWeights& w = encoder_weights_.layers[layer];
  const int64_t n = x.size(0), q_size = static_cast<int64_t>(a.num_heads) * a.head_dim;
  at::Tensor qkv = ApplyLinear(x, w.qkv);
  at::Tensor q = qkv.narrow(-1, 0, q_size).reshape({n, a.num_heads, a.head_dim});
  at::Tensor k = qkv.narrow(-1, q_size, q_size).reshape({n, a.num_heads, a.head_dim});
  at::Tensor v = qkv.narrow(-1, 2 * q_size, q_size).reshape({n, a.num_heads, a.head_dim});
  const double scale = a.scale > 0 ? a.scale : 1.0 / std::sqrt(static_cast<double>(a.head_dim));
  return ApplyLinear(DenseAttention(q, k, v, bias, scale), w.o);
}

at::Tensor EncoderDecoderModel::RunEncoder(const at::Tensor& ids) const {
  const ModelSpec& spec = encoder_spec_;
  const int64_t length = ids.size(0);
  at::Tensor positions = at::arange(length, ids.options());
  at::Tensor x = EmbedTokens(spec, encoder_weights_, ids, positions);
  at::Tensor bias;
  if (spec.position == PositionType::kRelativeBias) {
    bias = BidirectionalRelativeBias(encoder_weights_.relative_bias, spec.relative_bias, length);
  }
  for (int layer = 0; layer < spec.num_layers; ++layer) {
    const LayerWeights& w = encoder_weights_.layers[layer];
    x = ApplySublayer(spec, x, w.input_norm, nullptr,
                      [&](const at::Tensor& h) { return EncoderSelfAttention(layer, h, bias); });
    x = ApplySublayer(spec, x, w.post_attention_norm, nullptr,
                      [&](const at::Tensor& h) { return ApplyMlp(h, w, spec.mlp); });
  }
  return spec.final_norm ? ApplyNorm(x, encoder_weights_.final_norm, spec.norm) : x;
}

std::shared_ptr<const EncoderState> EncoderDecoderModel::Encode(const std::vector<int32_t>& prompt_ids) const {
  std::vector<int64_t> ids(prompt_ids.begin(), prompt_ids.end());
  at::Tensor ids_t = at::tensor(ids, at::kLong).to(decoder_->device());
  return decoder_->MakeEncoderState(RunEncoder(ids_t));
}

}  // namespace basalt::model
