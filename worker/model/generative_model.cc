#include "worker/model/generative_model.h"

#include <stdexcept>

#include "worker/model/decoder_model.h"
#include "worker/model/encoder_decoder_model.h"

namespace basalt::model {

std::shared_ptr<const EncoderState> GenerativeModel::Encode(const std::vector<int32_t>&) const {
  throw std::logic_error("Encode called on a decoder-only model");
}

absl::StatusOr<std::unique_ptr<GenerativeModel>> LoadGenerativeModel(const ModelSpec& spec, const WeightFiles& files,
                                                                     at::ScalarType dtype, at::Device device,
                                                                     Quantization quantization) {
  if (spec.is_encoder_decoder()) {
    auto model = EncoderDecoderModel::Load(spec, files, dtype, device, quantization);
    if (!model.ok()) return model.status();
    return std::unique_ptr<GenerativeModel>(std::move(*model));
  }
  auto model = DecoderModel::Load(spec, files, dtype, device, quantization);
  if (!model.ok()) return model.status();
  return std::unique_ptr<GenerativeModel>(std::move(*model));
}

}  // namespace basalt::model
