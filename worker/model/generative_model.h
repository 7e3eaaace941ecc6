#pragma once
// What the engine runs, behind one interface: a decoder-only model (DecoderModel) or an encoder-decoder
// one (EncoderDecoderModel). Both compute a step of decoder tokens over the paged KV cache; an
// encoder-decoder model also encodes each request's prompt once, and its steps read the encoder states
// named in the batch.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "worker/model/kv_cache.h"
#include "worker/model/model_spec.h"
#include "worker/model/paged_attention.h"
#include "worker/model/quantization.h"
#include "worker/model/safetensors.h"

namespace basalt::model {

struct EncoderState;

class GenerativeModel {
 public:
  struct Output {
    at::Tensor logits;  // [L, vocab] float32, one row per requested index
    at::Tensor hidden;  // [L, hidden]: last hidden state (after the final norm) of those positions
  };

  virtual ~GenerativeModel() = default;

  // Runs the new tokens `input_ids` [T] (positions and cache slots in `batch`), writes their k/v into
  // `cache`, and returns logits for the flattened token indices in `logits_indices` [L] (int64).
  virtual Output Forward(const at::Tensor& input_ids, const AttentionBatch& batch, KvCache& cache,
                         const at::Tensor& logits_indices) const = 0;

  // Encoder-decoder models: runs the encoder over a prompt and returns what the decoder's
  // cross-attention reads. Decoder-only models throw.
  virtual std::shared_ptr<const EncoderState> Encode(const std::vector<int32_t>& prompt_ids) const;

  // The decoder's spec (the KV cache, vocabulary and head follow it).
  virtual const ModelSpec& spec() const = 0;
  virtual at::ScalarType dtype() const = 0;
  virtual at::Device device() const = 0;
  virtual int64_t num_parameters() const = 0;
  // Bytes the weights occupy on the device (int8 weights and their scales when quantized).
  virtual int64_t weight_bytes() const = 0;
  // True when the fused GPU kernels are in use.
  virtual bool uses_cuda_kernels() const = 0;
  bool is_encoder_decoder() const { return spec().is_encoder_decoder(); }
};

// Loads the model the spec describes (decoder-only or encoder-decoder), its Linear weights quantized as
// `quantization` says.
absl::StatusOr<std::unique_ptr<GenerativeModel>> LoadGenerativeModel(const ModelSpec& spec, const WeightFiles& files,
                                                                     at::ScalarType dtype, at::Device device,
                                                                     Quantization quantization = Quantization::kNone);

}  // namespace basalt::model
