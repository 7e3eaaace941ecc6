#include "worker/model/layers.h"

#include "worker/model/cpu_skinny_linear.h"
#include "worker/model/quantization.h"

namespace basalt::model {

at::Tensor ApplyNorm(const at::Tensor& x, const NormWeights& w, const NormSpec& spec) {
  if (spec.type == NormType::kLayerNorm) {
    return at::layer_norm(x, {x.size(-1)}, w.weight, w.bias, spec.eps);
  }
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean({-1}, /*keepdim=*/true) + spec.eps);
  if (spec.unit_offset) return (normed * (w.weight.to(at::kFloat) + 1.0)).to(x.scalar_type());
  return w.weight * normed.to(x.scalar_type());
}

namespace {

// Decode steps of up to 8 sequences on the CPU take the one-pass kernel (cpu_skinny_linear.h) where it
// beats OpenBLAS's sgemm, which packs the whole weight on every call. Measured on this project's 2-core CI
// machine, one thread, float32, against at::linear: 2048 x 384 at 1 / 2 / 4 / 8 rows 5.2 / 2.6 / 2.0 /
// 1.2x faster, 8192 x 384 5.7 / 4.7 / 2.9 / 1.2x; 384 x 384 and 384 x 1024 1.3-6x faster from 3 rows
// but slower at 1-2; slower for every k = 64 shape (the test fixtures).
bool UseCpuSkinny(const at::Tensor& x, const at::Tensor& weight) {
  if (!x.device().is_cpu() || x.dim() != 2 || weight.dim() != 2 || x.scalar_type() != at::kFloat ||
      weight.scalar_type() != at::kFloat) {
    return false;
  }
  const int64_t m = x.size(0), n = weight.size(0), k = weight.size(1);
  return m <= kCpuSkinnyMaxRows && k >= 256 && (n >= 1024 || m >= 3);
}

}  // namespace

at::Tensor ApplyLinear(const at::Tensor& x, const LinearWeights& w) {
  if (w.quantized()) return Int8Linear(x, w.weight, w.scale, w.bias);
  if (UseCpuSkinny(x, w.weight)) return CpuSkinnyLinear(x, w.weight, at::Tensor(), w.bias);
  return at::linear(x, w.weight, w.bias);
}

at::Tensor ApplyActivation(const at::Tensor& x, Activation activation) {
  switch (activation) {
    case Activation::kSilu: return at::silu(x);
    case Activation::kGelu: return at::gelu(x);
    case Activation::kGeluTanh: return at::gelu(x, "tanh");
    case Activation::kRelu: return at::relu(x);
  }
  return x;
}

at::Tensor ApplyMlp(const at::Tensor& x, const LayerWeights& w, const MlpSpec& spec) {
  at::Tensor h = ApplyLinear(x, w.gate_up);
  if (spec.gated) {
    auto parts = h.chunk(2, -1);
    h = ApplyActivation(parts[0], spec.activation) * parts[1];
  } else {
    h = ApplyActivation(h, spec.activation);
  }
  return ApplyLinear(h, w.down);
}

at::Tensor EmbedTokens(const ModelSpec& spec, const ModelWeights& w, const at::Tensor& ids, const at::Tensor& positions) {
  return FinishEmbedding(spec, w, at::embedding(w.embed_tokens, ids), positions);
}

at::Tensor FinishEmbedding(const ModelSpec& spec, const ModelWeights& w, at::Tensor x, const at::Tensor& positions) {
  if (spec.embedding_multiplier != 1.0) {
    // Gemma multiplies by sqrt(hidden) rounded to the activations' dtype; BART by the exact float.
    x = spec.round_embedding_multiplier ? x * at::scalar_tensor(spec.embedding_multiplier, x.options())
                                        : x * spec.embedding_multiplier;
  }
  if (w.project_in.weight.defined()) x = ApplyLinear(x, w.project_in);
  if (spec.position == PositionType::kLearned) {
    x = x + at::embedding(w.position_embeddings, positions + spec.learned_position_offset);
  }
  if (spec.embedding_norm) x = ApplyNorm(x, w.embedding_norm, spec.norm);
  return x;
}

at::Tensor ApplySublayer(const ModelSpec& spec, const at::Tensor& x, const NormWeights& norm, const NormWeights* after,
                         const std::function<at::Tensor(const at::Tensor&)>& f) {
  if (spec.post_norm) return ApplyNorm(x + f(x), norm, spec.norm);
  at::Tensor h = ApplyNorm(x, norm, spec.norm);
  at::Tensor out = f(h);
  if (after != nullptr) out = ApplyNorm(out, *after, spec.norm);
  return (spec.residual_from_norm ? h : x) + out;
}

}  // namespace basalt::model
