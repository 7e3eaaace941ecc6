#include "worker/model/cross_attention.h"

#include <stdexcept>

namespace basalt::model {

at::Tensor DenseAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& bias,
                          double scale) {
  const int64_t n = q.size(0), heads = q.size(1), dim = q.size(2);
  // Scores and softmax in float32, as the reference attention does.
  at::Tensor scores = at::matmul(q.transpose(0, 1).to(at::kFloat), k.permute({1, 2, 0}).to(at::kFloat)) * scale;
  if (bias.defined()) scores = scores + bias;
  at::Tensor out = at::matmul(at::softmax(scores, -1), v.transpose(0, 1).to(at::kFloat));  // [h, n, d]
  return out.to(q.scalar_type()).transpose(0, 1).reshape({n, heads * dim});
}

at::Tensor CrossAttention(const at::Tensor& q, const AttentionBatch& batch, int layer, double scale) {
  if (static_cast<int>(batch.encoder_states.size()) != batch.num_seqs())
    throw std::invalid_argument("cross-attention needs the encoder state of every sequence");
  std::vector<at::Tensor> outputs;
  outputs.reserve(batch.num_seqs());
  for (int s = 0; s < batch.num_seqs(); ++s) {
    const EncoderState* state = batch.encoder_states[s];
    if (state == nullptr) throw std::invalid_argument("a sequence of the step has not been encoded");
    const int64_t begin = batch.query_start[s], n = batch.query_start[s + 1] - begin;
    outputs.push_back(
        DenseAttention(q.narrow(0, begin, n), state->keys[layer], state->values[layer], at::Tensor(), scale));
  }
  return at::cat(outputs, 0);
}

}  // namespace basalt::model
