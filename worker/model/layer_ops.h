#pragma once
// The operations of a decoder layer that have a fused GPU kernel. The torch implementation (any device,
// the reference numerics) is the default; on CUDA, MakeCudaLayerOps() swaps in worker/kernels. The model
// code calls these and does not know which it got.
#include <ATen/ATen.h>

#include <memory>

#include "worker/model/model_spec.h"
#include "worker/model/paged_attention.h"
#include "worker/model/rotary.h"
#include "worker/model/weights.h"

namespace basalt::model {

class LayerOps {
 public:
  virtual ~LayerOps() = default;

  // table[ids] [T, hidden] for int64 ids [T], with the pending ids (AttentionBatch::pending_source_rows,
  // pending_previous; undefined: none) filled into `ids` first. CUDA: one kernel.
  virtual at::Tensor Embed(const at::Tensor& table, at::Tensor& ids, const at::Tensor& source_rows,
                           const at::Tensor& previous) const;

  // x [T, in] -> [T, out].
  virtual at::Tensor Linear(const at::Tensor& x, const LinearWeights& w) const;

  virtual at::Tensor Norm(const at::Tensor& x, const NormWeights& w, const NormSpec& spec) const;

  // act(gate) * up for gate_up [T, 2 * inter].
  virtual at::Tensor GatedActivation(const at::Tensor& gate_up, Activation activation) const;

  // Rotates q and k (views into `qkv` [T, (H + 2 KVH) * D]) by `positions` and writes k and v to the
  // layer's cache at batch.slot_mapping. Returns q as [T, H, D] (a view when possible).
  virtual at::Tensor RotaryAndCacheWrite(at::Tensor& qkv, const AttentionParams& params, const RotaryEmbedding* rotary,
                                         const AttentionBatch& batch, at::Tensor& key_cache,
                                         at::Tensor& value_cache) const;

  // The pre-norm layer's fused forms. The defaults compose the operations above; CUDA runs each as one
  // GEMV with the norm in its prologue and the rest in its epilogue when the batch is decode-sized.
  // Linear(Norm(x)).
  virtual at::Tensor NormLinear(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                                const LinearWeights& w) const;
  // GatedActivation(Linear(Norm(x), gate_up)).
  virtual at::Tensor NormGatedLinear(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                                     const LinearWeights& gate_up, Activation activation) const;
  // residual = residual + Linear(x): in place where the implementation can, rounded as that expression.
  virtual void LinearAddInto(const at::Tensor& x, const LinearWeights& w, at::Tensor& residual) const;
  // The LM head: float logits [T, vocab] = Linear(Norm(x), w) as float (Linear(x, w) when `norm` is null);
  // `hidden`, when not null, receives the rows the head multiplied (the final hidden states). CUDA runs
  // it as one GEMV (norm prologue, float output) at decode-sized batches.
  virtual at::Tensor LogitsHead(const at::Tensor& x, const NormWeights* norm, const NormSpec& spec,
                                const LinearWeights& w, at::Tensor* hidden) const;
  // RotaryAndCacheWrite(Linear(Norm(x), qkv)); returns q [T, H, D].
  virtual at::Tensor NormQkvRotaryCacheWrite(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                                             const LinearWeights& qkv, const AttentionParams& params,
                                             const RotaryEmbedding* rotary, const AttentionBatch& batch,
                                             at::Tensor& key_cache, at::Tensor& value_cache) const;

  // Attention of q [T, H, D] over the cache; returns [T, H * D].
  virtual at::Tensor Attention(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                               const AttentionBatch& batch, const AttentionParams& params) const;

  // Whether Attention() of a decode-only batch with these params reads only device tensors, so that a
  // CUDA graph may capture it (the portable path loops over the batch's host-side lengths).
  virtual bool DecodeAttentionIsCapturable(const AttentionParams& params) const { return false; }
};

std::unique_ptr<LayerOps> MakeTorchLayerOps();

// The CUDA kernels (nullptr when this build has no CUDA).
std::unique_ptr<LayerOps> MakeCudaLayerOps();

// CUDA builds: which products the tensor-core skinny GEMM (5-64 rows) takes: none, the measured-faster
// shapes (the default), or every shape it supports (worker/kernels/skinny_mma.h). Returns the previous.
enum class SkinnyGemm { kOff, kMeasured, kAll };
SkinnyGemm SetCudaSkinnyGemm(SkinnyGemm mode);

// The sampler's greedy choice for float logits [B, V]: [B, 2] float32 rows of {first index of the
// maximum, its log-softmax}. On CUDA one kernel (worker/kernels/greedy.cu), elsewhere torch ops.
// `ids`, when defined (int64 [B] on the logits' device), also receives the chosen indices.
at::Tensor GreedyChoice(const at::Tensor& logits, const at::Tensor& ids = at::Tensor());
// The kernel form: an undefined tensor where it does not apply (no CUDA build, a CPU tensor, ...).
at::Tensor CudaGreedyChoice(const at::Tensor& logits, const at::Tensor& ids = at::Tensor());

// Asynchronous decoding: ids[i] = previous[source_rows[i]] where source_rows[i] >= 0, in place (all
// int64 on one device). The previous step's choices become this step's inputs without the host.
void FillPendingIds(at::Tensor& ids, const at::Tensor& source_rows, const at::Tensor& previous);
// The kernel form: false where it does not apply.
bool CudaFillPendingIds(at::Tensor& ids, const at::Tensor& source_rows, const at::Tensor& previous);

// CUDA builds: tokens per split of decode attention (0: by batch size) and blocks per cluster of its
// cluster form (0: the split protocol, -1: by batch size). For benchmarks and tests.
void SetCudaDecodeAttention(int partition, int cluster);
// CUDA builds: whether decode attention lets the next kernel launch at its start (true) or after its K/V
// loads (false, the default; DecodeAttentionArgs::release_next_early). For benchmarks.
void SetCudaAttentionEarlyRelease(bool early);
// CUDA builds: whether the GEMV loads its epilogue's operands (residual, rotary angles, cache slots) early
// (true, the default) or after its reduction (BASALT_GEMV_EARLY_OPERANDS=0; GemvArgs). For benchmarks.
void SetCudaGemvEarlyOperands(bool early);
// CUDA builds: the L1 / shared-memory split of the kernels, in percent (-1: the driver's choice per kernel;
// kernels::SetSharedMemoryCarveout). Returns the previous setting (-1 without CUDA). For benchmarks.
int SetCudaSharedMemoryCarveout(int percent);

}  // namespace basalt::model
