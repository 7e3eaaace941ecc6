// LayerOps on the fused CUDA kernels of worker/kernels (built only with CUDA).
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "worker/kernels/kernels.h"
#include "worker/model/layer_ops.h"
#include "worker/model/layers.h"
#include "worker/model/varlen_attention.h"

namespace basalt::model {
namespace {

kernels::DataType KernelType(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return kernels::DataType::kFloat32;
    case at::kBFloat16: return kernels::DataType::kBFloat16;
    case at::kHalf: return kernels::DataType::kFloat16;
    default: throw std::invalid_argument(std::string("no CUDA kernel for dtype ") + c10::toString(type));
  }
}

void Check(cudaError_t error, const char* what) {
  if (error != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(error));
}

// SetCudaDecodeAttention's choices: partition tokens (0: by batch size), cluster size (-1: by batch size).
struct DecodeAttentionChoice {
  int partition = 0;
  int cluster = -1;
  bool release_next_early = false;  // BASALT_ATTENTION_EARLY_RELEASE=1: the baseline for measurements
};
DecodeAttentionChoice& DecodeAttentionOverride() {
  static DecodeAttentionChoice choice = [] {
    DecodeAttentionChoice c;
    const char* v = std::getenv("BASALT_CLUSTER_ATTENTION");
    if (v != nullptr && std::string(v) == "0") c.cluster = 0;
    const char* early = std::getenv("BASALT_ATTENTION_EARLY_RELEASE");
    c.release_next_early = early != nullptr && std::string(early) == "1";
    return c;
  }();
  return choice;
}

// Blocks per (sequence, kv head) cluster of the decode kernel, 0 for the split protocol: clusters where
// a small batch leaves the split merge's round trips on the critical path. BASALT_CLUSTER_ATTENTION=0
// keeps the split protocol (the baseline for measurements).
int ClusterSize(int64_t num_seqs) {
  if (!kernels::DecodeAttentionClusterSupported()) return 0;
  const int forced = DecodeAttentionOverride().cluster;
  if (forced >= 0) return forced;
  // One sequence takes 4: its chain measured 1-3% faster than with 8 in four runs (kernels/NOTES.md).
  if (num_seqs == 1) return 4;
  return num_seqs <= 4 ? 8 : 0;
}

// Tokens per split of the decode kernel: smaller splits give more blocks when batches are small.
int PartitionSize(int64_t num_seqs) {
  if (DecodeAttentionOverride().partition > 0) return DecodeAttentionOverride().partition;
  if (num_seqs <= 2) return 64;
  if (num_seqs <= 4) return 128;
  if (num_seqs <= 32) return 256;
  return 512;
}

// The custom GEMV for decode-sized inputs; BASALT_GEMV=0 keeps cuBLAS everywhere (for comparisons).
bool GemvEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("BASALT_GEMV");
    return v == nullptr || std::string(v) != "0";
  }();
  return enabled;
}

// The GEMV's fused prologue and epilogues; BASALT_FUSE=0 runs every operation as its own kernel (the
// baseline for measuring the fusions).
bool FusionEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("BASALT_FUSE");
    return v == nullptr || std::string(v) != "0";
  }();
  return enabled;
}

// GemvArgs::early_epilogue_operands; BASALT_GEMV_EARLY_OPERANDS=0 loads them after the reduction (the
// baseline for measurements).
bool& GemvEarlyOperands() {
  static bool early = [] {
    const char* v = std::getenv("BASALT_GEMV_EARLY_OPERANDS");
    return v == nullptr || std::string(v) != "0";
  }();
  return early;
}

bool KernelActivation(Activation activation, kernels::GatedActivation& out) {
  switch (activation) {
    case Activation::kSilu: out = kernels::GatedActivation::kSilu; return true;
    case Activation::kGeluTanh: out = kernels::GatedActivation::kGeluTanh; return true;
    case Activation::kGelu: out = kernels::GatedActivation::kGelu; return true;
    default: return false;
  }
}

class CudaLayerOps final : public LayerOps {
 public:
  at::Tensor Embed(const at::Tensor& table, at::Tensor& ids, const at::Tensor& source_rows,
                   const at::Tensor& previous) const override {
    const bool pending = source_rows.defined();
    auto device_longs = [&](const at::Tensor& t) {
      return t.is_cuda() && t.device() == table.device() && t.scalar_type() == at::kLong && t.is_contiguous() && t.dim() == 1;
    };
    const int64_t row_bytes = table.dim() == 2 ? table.size(1) * static_cast<int64_t>(table.element_size()) : 0;
    if (!table.is_cuda() || table.dim() != 2 || !table.is_contiguous() || row_bytes % 16 != 0 || !device_longs(ids) ||
        ids.numel() > std::numeric_limits<int>::max() ||
        (pending && (!device_longs(source_rows) || !device_longs(previous) || source_rows.numel() != ids.numel()))) {
      return LayerOps::Embed(table, ids, source_rows, previous);
    }
    at::Tensor out = at::empty({ids.numel(), table.size(1)}, table.options());
    Check(kernels::EmbedRows(out.data_ptr(), table.data_ptr(), ids.data_ptr<int64_t>(),
                             pending ? source_rows.data_ptr<int64_t>() : nullptr,
                             pending ? previous.data_ptr<int64_t>() : nullptr, static_cast<int>(ids.numel()),
                             table.size(0), row_bytes, at::cuda::getCurrentCUDAStream()),
          "embed_rows");
    return out;
  }

  at::Tensor Linear(const at::Tensor& x, const LinearWeights& w) const override {
    kernels::GemvArgs a;
    if (PrepareGemv(x, w, a) && kernels::GemvSupports(a)) return RunGemv(a, {x.size(0), a.n}, x.options());
    return w.quantized() ? DequantizedLinear(x, w) : LayerOps::Linear(x, w);
  }

  at::Tensor NormLinear(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                        const LinearWeights& w) const override {
    kernels::GemvArgs a;
    at::Tensor normed;
    if (FusionEnabled() && PrepareGemv(x, w, a) && PrepareNormedInput(x, norm, spec, a, normed)) {
      return RunGemv(a, {x.size(0), a.n}, x.options());
    }
    return LayerOps::NormLinear(x, norm, spec, w);
  }

  at::Tensor LogitsHead(const at::Tensor& x, const NormWeights* norm, const NormSpec& spec, const LinearWeights& w,
                        at::Tensor* hidden) const override {
    kernels::GemvArgs a;
    a.float_output = true;
    if (FusionEnabled() && PrepareGemv(x, w, a) && (norm == nullptr || PrepareNorm(*norm, spec, a))) {
      at::Tensor normed;
      if (norm != nullptr && hidden != nullptr) {
        normed = at::empty_like(x);
        a.normed_out = normed.data_ptr();
      }
      if (kernels::GemvSupports(a)) {
        at::Tensor logits = RunGemv(a, {x.size(0), a.n}, x.options().dtype(at::kFloat));
        if (hidden != nullptr) *hidden = norm != nullptr ? normed : x;  // last: `x` may be *hidden
        return logits;
      }
      // No prologue for these arguments (the tensor-core form at 5-64 rows; int8 weights with the
      // normalized rows wanted): the norm kernel first, whose output is then the hidden state.
      a.normed_out = nullptr;
      if (norm != nullptr && PrepareSeparateNorm(x, *norm, spec, a, normed)) {
        at::Tensor logits = RunGemv(a, {x.size(0), a.n}, x.options().dtype(at::kFloat));
        if (hidden != nullptr) *hidden = normed;
        return logits;
      }
    }
    return LayerOps::LogitsHead(x, norm, spec, w, hidden);
  }

  at::Tensor NormGatedLinear(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                             const LinearWeights& gate_up, Activation activation) const override {
    kernels::GemvArgs a;
    a.epilogue = kernels::GemvEpilogue::kGatedAct;
    at::Tensor normed;
    if (FusionEnabled() && KernelActivation(activation, a.act) && PrepareGemv(x, gate_up, a) &&
        PrepareNormedInput(x, norm, spec, a, normed)) {
      return RunGemv(a, {x.size(0), a.n / 2}, x.options());
    }
    return LayerOps::NormGatedLinear(x, norm, spec, gate_up, activation);
  }

  void LinearAddInto(const at::Tensor& x, const LinearWeights& w, at::Tensor& residual) const override {
    if (!FusionEnabled()) return LayerOps::LinearAddInto(x, w, residual);
    kernels::GemvArgs a;
    a.epilogue = kernels::GemvEpilogue::kAddInto;
    if (PrepareGemv(x, w, a) && residual.is_contiguous() && residual.scalar_type() == x.scalar_type() &&
        residual.dim() == 2 && residual.size(0) == x.size(0) && residual.size(1) == a.n && kernels::GemvSupports(a)) {
      a.y = residual.data_ptr();
      Check(kernels::Gemv(a, at::cuda::getCurrentCUDAStream()), "gemv");
      return;
    }
    if (!w.quantized() && !w.bias.defined()) {
      residual.addmm_(x, w.weight.t());  // cuBLAS adds in its epilogue: no separate add kernel
    } else {
      residual.add_(Linear(x, w));
    }
  }

  at::Tensor NormQkvRotaryCacheWrite(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec,
                                     const LinearWeights& qkv, const AttentionParams& params,
                                     const RotaryEmbedding* rotary, const AttentionBatch& batch, at::Tensor& key_cache,
                                     at::Tensor& value_cache) const override {
    kernels::GemvArgs a;
    a.epilogue = kernels::GemvEpilogue::kRotaryCache;
    at::Tensor normed;
    if (FusionEnabled() && PrepareGemv(x, qkv, a)) {
      a.rotary = RotaryArgs(params, rotary, batch, key_cache, value_cache, a.dtype);
      if (PrepareNormedInput(x, norm, spec, a, normed)) {
        return QueryHeads(RunGemv(a, {x.size(0), a.n}, x.options()), params);
      }
    }
    return LayerOps::NormQkvRotaryCacheWrite(x, norm, spec, qkv, params, rotary, batch, key_cache, value_cache);
  }

  at::Tensor Norm(const at::Tensor& x, const NormWeights& w, const NormSpec& spec) const override {
    if (spec.type != NormType::kRmsNorm || x.dim() != 2 || x.stride(1) != 1) return LayerOps::Norm(x, w, spec);
    at::Tensor out = at::empty_like(x, x.options().memory_format(at::MemoryFormat::Contiguous));
    Check(kernels::RmsNorm(out.data_ptr(), x.data_ptr(), w.weight.data_ptr(), x.size(0), static_cast<int>(x.size(1)),
                           x.stride(0), static_cast<float>(spec.eps), spec.unit_offset, KernelType(x.scalar_type()),
                           at::cuda::getCurrentCUDAStream()),
          "rms_norm");
    return out;
  }

  at::Tensor GatedActivation(const at::Tensor& gate_up, Activation activation) const override {
    kernels::GatedActivation act;
    if (!KernelActivation(activation, act)) return LayerOps::GatedActivation(gate_up, activation);
    const int64_t inter = gate_up.size(-1) / 2;
    at::Tensor out = at::empty({gate_up.size(0), inter}, gate_up.options());
    Check(kernels::GatedAct(out.data_ptr(), gate_up.data_ptr(), gate_up.size(0), static_cast<int>(inter), act,
                            KernelType(gate_up.scalar_type()), at::cuda::getCurrentCUDAStream()),
          "gated_activation");
    return out;
  }

  at::Tensor RotaryAndCacheWrite(at::Tensor& qkv, const AttentionParams& params, const RotaryEmbedding* rotary,
                                 const AttentionBatch& batch, at::Tensor& key_cache,
                                 at::Tensor& value_cache) const override {
    // Models without rotary embeddings (learned or ALiBi positions) take the kernel too, for the cache
    // write alone: it skips the slot -1 of padded CUDA-graph rows, which index_copy_ rejects.
    if (qkv.dim() != 2 || qkv.stride(1) != 1) {
      return LayerOps::RotaryAndCacheWrite(qkv, params, rotary, batch, key_cache, value_cache);
    }
    kernels::RotaryKvArgs a = RotaryArgs(params, rotary, batch, key_cache, value_cache, KernelType(qkv.scalar_type()));
    a.qkv = qkv.data_ptr();
    a.row_stride = qkv.stride(0);
    a.tokens = qkv.size(0);
    Check(kernels::RotaryAndCacheWrite(a, at::cuda::getCurrentCUDAStream()), "rotary_cache_write");
    return QueryHeads(qkv, params);
  }

  // int8 weights (--quantization int8) in a batch too big for the GEMV: the weight is dequantized into the
  // compute dtype by a kernel (one projection's worth of scratch) for cuBLAS.
  at::Tensor DequantizedLinear(const at::Tensor& x, const LinearWeights& w) const {
    if (x.dim() != 2 || !w.weight.is_contiguous() || !w.scale.is_contiguous()) {
      return LayerOps::Linear(x, w);  // the torch path (quantization.cc) handles any layout
    }
    const int64_t n = w.weight.size(0), k = w.weight.size(1);
    at::Tensor dense = at::empty({n, k}, x.options());
    Check(kernels::DequantizeInt8(dense.data_ptr(), w.weight.data_ptr<int8_t>(), w.scale.data_ptr<float>(), n, k,
                                  KernelType(x.scalar_type()), at::cuda::getCurrentCUDAStream()),
          "dequantize_int8");
    return at::linear(x, dense, w.bias);
  }

  bool DecodeAttentionIsCapturable(const AttentionParams& params) const override {
    return !params.alibi_slopes.defined() && !params.distance_bias.defined() &&
           kernels::DecodeAttentionSupportsHeadDim(params.head_dim);
  }

  at::Tensor Attention(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                       const AttentionBatch& batch, const AttentionParams& params) const override {
    const int64_t tokens = q.size(0);
    // Decode sequences (one new token) come first in a step (the model runner orders them); they go
    // through the paged decode kernel, the prompt chunks after them through PrefillChunks.
    int64_t decode = 0;
    while (decode < batch.num_seqs() && batch.query_start[decode + 1] - batch.query_start[decode] == 1) ++decode;
    // The kernels add no position biases (ALiBi, T5's relative bias): those go the portable way.
    if (!DecodeAttentionIsCapturable(params)) {
      return PagedAttentionReference(q, key_cache, value_cache, batch, params);
    }
    if (decode == 0) return PrefillChunks(q, key_cache, value_cache, batch, params, 0);
    at::Tensor out = at::empty({tokens, params.num_heads * params.head_dim}, q.options());
    at::Tensor decode_out = out.narrow(0, 0, decode);
    RunDecodeKernel(q, key_cache, value_cache, batch, params, decode, decode_out);
    if (decode < batch.num_seqs()) {
      const int64_t offset = batch.query_start[decode];
      out.narrow(0, offset, tokens - offset)
          .copy_(PrefillChunks(q.narrow(0, offset, tokens - offset), key_cache, value_cache, batch, params, decode));
    }
    return out;
  }

 private:
  // The GEMV's operands for x [m, k] times w, or false where its layout rules out the kernel (the shape
  // rules are GemvSupports'). BASALT_GEMV=0 keeps cuBLAS everywhere.
  bool PrepareGemv(const at::Tensor& x, const LinearWeights& w, kernels::GemvArgs& a) const {
    if (!GemvEnabled() || x.dim() != 2 || !x.is_contiguous() || !w.weight.is_contiguous() ||
        (w.bias.defined() && !w.bias.is_contiguous()) || (w.quantized() && !w.scale.is_contiguous())) {
      return false;
    }
    a.x = x.data_ptr();
    a.w = w.weight.data_ptr();
    a.int8_weights = w.quantized();
    a.scale = w.quantized() ? w.scale.data_ptr<float>() : nullptr;
    a.bias = w.bias.defined() ? w.bias.data_ptr() : nullptr;
    a.m = static_cast<int>(x.size(0));
    a.n = static_cast<int>(w.weight.size(0));
    a.k = static_cast<int>(x.size(1));
    a.dtype = KernelType(x.scalar_type());
    a.early_epilogue_operands = GemvEarlyOperands();
    return true;
  }

  // The norm as the product's prologue, or, where the kernel takes no prologue for these arguments (the
  // tensor-core form at 5-64 rows; norms other than RMSNorm), as its own kernel first, so that the
  // epilogue stays fused: one extra kernel instead of the unfused chain. `normed` keeps that kernel's
  // output alive until the product is launched. False: neither form takes the arguments.
  bool PrepareNormedInput(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec, kernels::GemvArgs& a,
                          at::Tensor& normed) const {
    if (PrepareNorm(norm, spec, a) && kernels::GemvSupports(a)) return true;
    return PrepareSeparateNorm(x, norm, spec, a, normed);
  }
  // The second form alone: `normed` = the norm kernel's output, the product's x.
  bool PrepareSeparateNorm(const at::Tensor& x, const NormWeights& norm, const NormSpec& spec, kernels::GemvArgs& a,
                           at::Tensor& normed) const {
    a.norm_weight = nullptr;
    if (!kernels::GemvSupports(a)) return false;
    normed = Norm(x, norm, spec).contiguous();
    a.x = normed.data_ptr();
    return true;
  }

  // The RMSNorm prologue; false for other norms.
  static bool PrepareNorm(const NormWeights& norm, const NormSpec& spec, kernels::GemvArgs& a) {
    if (spec.type != NormType::kRmsNorm || !norm.weight.is_contiguous()) return false;
    a.norm_weight = norm.weight.data_ptr();
    a.norm_eps = static_cast<float>(spec.eps);
    a.norm_unit_offset = spec.unit_offset;
    return true;
  }

  static at::Tensor RunGemv(kernels::GemvArgs& a, at::IntArrayRef shape, const at::TensorOptions& options) {
    at::Tensor y = at::empty(shape, options);
    a.y = y.data_ptr();
    Check(kernels::Gemv(a, at::cuda::getCurrentCUDAStream()), "gemv");
    return y;
  }

  // q as [T, H, D]: a view of the first H * D values of each row of the fused qkv projection.
  static at::Tensor QueryHeads(const at::Tensor& qkv, const AttentionParams& params) {
    return qkv.narrow(-1, 0, static_cast<int64_t>(params.num_heads) * params.head_dim)
        .view({qkv.size(0), params.num_heads, params.head_dim});
  }

  static kernels::RotaryKvArgs RotaryArgs(const AttentionParams& params, const RotaryEmbedding* rotary,
                                          const AttentionBatch& batch, at::Tensor& key_cache, at::Tensor& value_cache,
                                          kernels::DataType dtype) {
    kernels::RotaryKvArgs a = {};
    a.positions = batch.positions.data_ptr<int64_t>();
    a.inv_freq = rotary != nullptr ? rotary->inv_freq().data_ptr<float>() : nullptr;
    a.attention_scaling = rotary != nullptr ? static_cast<float>(rotary->attention_scaling()) : 1.f;
    a.slot_mapping = batch.slot_mapping.data_ptr<int64_t>();
    a.key_cache = key_cache.data_ptr();
    a.value_cache = value_cache.data_ptr();
    a.num_heads = params.num_heads;
    a.num_kv_heads = params.num_kv_heads;
    a.head_dim = params.head_dim;
    a.rotary_dim = rotary != nullptr ? rotary->rotary_dim() : 0;
    a.interleaved = rotary != nullptr && rotary->interleaved();
    a.dtype = dtype;
    return a;
  }

  // Attention of the prompt chunks, sequences [first, B) of the batch, whose queries are `q`: one varlen
  // launch where it applies, else one fused-attention call per sequence.
  static at::Tensor PrefillChunks(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                                  const AttentionBatch& batch, const AttentionParams& params, int64_t first) {
    if (VarlenUsable(q, batch, first, params)) return VarlenPrefill(q, key_cache, value_cache, batch, params);
    if (first == 0) return PrefillAttention(q, key_cache, value_cache, batch, params);
    AttentionBatch rest;
    const int64_t offset = batch.query_start[first];
    for (int s = static_cast<int>(first); s <= batch.num_seqs(); ++s) rest.query_start.push_back(batch.query_start[s] - offset);
    rest.context_lens.assign(batch.context_lens.begin() + first, batch.context_lens.end());
    rest.block_tables.assign(batch.block_tables.begin() + first, batch.block_tables.end());
    return PrefillAttention(q, key_cache, value_cache, rest, params);
  }

  // Whether the prompt chunks after the first `decode` sequences can go through FlashAttention's
  // variable-length kernel in one launch (AddPrefillLayout built their layout). BASALT_VARLEN_PREFILL=0
  // keeps the per-sequence path (the baseline for measurements).
  static bool VarlenUsable(const at::Tensor& q, const AttentionBatch& batch, int64_t decode,
                           const AttentionParams& params) {
    static const bool enabled = [] {
      const char* v = std::getenv("BASALT_VARLEN_PREFILL");
      return v == nullptr || std::string(v) != "0";
    }();
    if (!enabled || !batch.prefill_cu_q.defined() || batch.prefill_first != decode) return false;
    if (q.scalar_type() != at::kBFloat16 && q.scalar_type() != at::kHalf) return false;
    if (params.head_dim % 8 != 0 || params.head_dim > 256 || params.logit_softcap > 0 || q.stride(-1) != 1) return false;
    // A window no context reaches changes nothing.
    if (params.sliding_window && *params.sliding_window < batch.prefill_max_k &&
        !VarlenFlashAttention::SupportsSlidingWindow()) {
      return false;
    }
    return VarlenFlashAttention::Available();
  }

  // The prompt chunks' contexts gathered from the cache into one [keys, kv_heads, dim] tensor each for K
  // and V (one index_select), then one varlen FlashAttention launch.
  static at::Tensor VarlenPrefill(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                                  const AttentionBatch& batch, const AttentionParams& params) {
    VarlenAttentionArgs a;
    a.q = q;
    a.k = key_cache.flatten(0, 1).index_select(0, batch.prefill_context_slots);
    a.v = value_cache.flatten(0, 1).index_select(0, batch.prefill_context_slots);
    a.cu_q = batch.prefill_cu_q;
    a.cu_k = batch.prefill_cu_k;
    a.max_q = batch.prefill_max_q;
    a.max_k = batch.prefill_max_k;
    a.scale = params.scale > 0 ? params.scale : 1.0 / std::sqrt(static_cast<double>(params.head_dim));
    if (params.sliding_window && *params.sliding_window < batch.prefill_max_k) a.sliding_window = params.sliding_window;
    return VarlenFlashAttention::Run(a).reshape({q.size(0), params.num_heads * params.head_dim});
  }

  // Prompt chunks: per sequence, the gathered context through torch's fused attention (FlashAttention
  // when the chunk is the whole context, memory-efficient attention with a mask otherwise).
  static at::Tensor PrefillAttention(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                                     const AttentionBatch& batch, const AttentionParams& params) {
#if TORCH_VERSION_MAJOR < 2  // no scaled_dot_product_attention before torch 2.0
    return PagedAttentionReference(q, key_cache, value_cache, batch, params);
#else
    if (params.logit_softcap > 0) return PagedAttentionReference(q, key_cache, value_cache, batch, params);
    std::vector<at::Tensor> outputs;
    const std::optional<double> scale = params.scale > 0 ? std::optional<double>(params.scale) : std::nullopt;
    for (int s = 0; s < batch.num_seqs(); ++s) {
      const int64_t begin = batch.query_start[s], n = batch.query_start[s + 1] - begin;
      const int64_t context = batch.context_lens[s];
      at::Tensor qs = q.narrow(0, begin, n).transpose(0, 1).unsqueeze(0);  // [1, H, n, D]
      at::Tensor k = GatherContext(key_cache, batch.block_tables[s], context).transpose(0, 1).unsqueeze(0);
      at::Tensor v = GatherContext(value_cache, batch.block_tables[s], context).transpose(0, 1).unsqueeze(0);
      std::optional<at::Tensor> mask;
      bool causal = false;
      if (context == n && !params.sliding_window) {
        causal = true;
      } else {
        auto longs = at::TensorOptions().dtype(at::kLong).device(q.device());
        at::Tensor key_pos = at::arange(context, longs);
        at::Tensor distance = key_pos.narrow(0, context - n, n).unsqueeze(1) - key_pos.unsqueeze(0);  // [n, L]
        at::Tensor visible = distance >= 0;
        if (params.sliding_window) visible = visible.logical_and(distance < *params.sliding_window);
        mask = visible;
      }
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
      at::Tensor out = at::scaled_dot_product_attention(qs, k, v, mask, 0.0, causal, scale, /*enable_gqa=*/true);
#else
      const int64_t group = params.num_heads / params.num_kv_heads;
      at::Tensor out = at::scaled_dot_product_attention(qs, k.repeat_interleave(group, 1), v.repeat_interleave(group, 1),
                                                        mask, 0.0, causal, scale);
#endif
      outputs.push_back(out.squeeze(0).transpose(0, 1).reshape({n, params.num_heads * params.head_dim}));
    }
    return at::cat(outputs, 0);
#endif
  }

  // The decode kernel's counters of finished splits, zero between launches (the kernel resets them).
  // Allocated on first use, which is the eager warm-up before any CUDA graph capture of that size; a
  // buffer outgrown later stays allocated, since captured graphs keep its address.
  int* SplitCounters(int64_t count, const at::Device& device) const {
    if (!split_counters_.defined() || split_counters_.numel() < count) {
      if (split_counters_.defined()) outgrown_counters_.push_back(split_counters_);
      split_counters_ = at::zeros({std::max<int64_t>(count, 4096)}, at::TensorOptions().dtype(at::kInt).device(device));
    }
    return split_counters_.data_ptr<int>();
  }

  void RunDecodeKernel(const at::Tensor& q, const at::Tensor& key_cache, const at::Tensor& value_cache,
                       const AttentionBatch& batch, const AttentionParams& params, int64_t num_seqs,
                       at::Tensor& out) const {
    kernels::DecodeAttentionArgs a;
    a.q = q.data_ptr();
    a.q_seq_stride = q.stride(0);
    a.key_cache = key_cache.data_ptr();
    a.value_cache = value_cache.data_ptr();
    a.block_tables = batch.block_table_tensor.data_ptr<int32_t>();
    a.context_lens = batch.context_lens_tensor.data_ptr<int32_t>();
    a.out = out.data_ptr();
    a.num_seqs = static_cast<int>(num_seqs);
    a.num_heads = params.num_heads;
    a.num_kv_heads = params.num_kv_heads;
    a.head_dim = params.head_dim;
    a.block_size = static_cast<int>(key_cache.size(1));
    a.max_blocks_per_seq = static_cast<int>(batch.block_table_tensor.size(1));
    a.partition_size = PartitionSize(num_seqs);
    // A fixed split count (from the block table's width, not this step's lengths) keeps the launch the
    // same shape from step to step, as CUDA graph replay needs.
    const int64_t max_tokens = static_cast<int64_t>(a.max_blocks_per_seq) * a.block_size;
    a.num_splits = static_cast<int>((max_tokens + a.partition_size - 1) / a.partition_size);
    at::Tensor partial_out, partial_stats;
    if (a.num_splits > 1) {
      auto f32 = q.options().dtype(at::kFloat);
      partial_out = at::empty({num_seqs, params.num_heads, a.num_splits, params.head_dim}, f32);
      partial_stats = at::empty({2, num_seqs, params.num_heads, a.num_splits}, f32);
      a.partial_out = partial_out.data_ptr<float>();
      a.partial_max = partial_stats[0].data_ptr<float>();
      a.partial_sum = partial_stats[1].data_ptr<float>();
      a.split_counters = SplitCounters(num_seqs * params.num_kv_heads, q.device());
    } else {
      a.partial_out = a.partial_max = a.partial_sum = nullptr;
      a.split_counters = nullptr;
    }
    a.scale = static_cast<float>(params.scale > 0 ? params.scale : 1.0 / std::sqrt(static_cast<double>(params.head_dim)));
    a.logit_softcap = static_cast<float>(params.logit_softcap);
    a.sliding_window = params.sliding_window.value_or(0);
    a.dtype = KernelType(q.scalar_type());
    a.cluster_size = ClusterSize(num_seqs);  // the split fields above stay valid for the portable kernel
    a.release_next_early = DecodeAttentionOverride().release_next_early;
    Check(kernels::DecodeAttention(a, at::cuda::getCurrentCUDAStream()), "decode_attention");
  }

  mutable at::Tensor split_counters_;
  mutable std::vector<at::Tensor> outgrown_counters_;
};

}  // namespace

std::unique_ptr<LayerOps> MakeCudaLayerOps() { return std::make_unique<CudaLayerOps>(); }

SkinnyGemm SetCudaSkinnyGemm(SkinnyGemm mode) {
  static_assert(static_cast<int>(SkinnyGemm::kAll) == static_cast<int>(kernels::SkinnyMmaMode::kAll));
  return static_cast<SkinnyGemm>(kernels::SetSkinnyMmaMode(static_cast<kernels::SkinnyMmaMode>(mode)));
}

at::Tensor CudaGreedyChoice(const at::Tensor& logits, const at::Tensor& ids) {
  if (!logits.is_cuda() || logits.scalar_type() != at::kFloat || logits.dim() != 2 || !logits.is_contiguous() ||
      logits.size(1) > std::numeric_limits<int>::max()) {
    return at::Tensor();
  }
  if (ids.defined() && (ids.device() != logits.device() || ids.scalar_type() != at::kLong || !ids.is_contiguous() ||
                        ids.numel() != logits.size(0))) {
    return at::Tensor();
  }
  at::Tensor out = at::empty({logits.size(0), 2}, logits.options());
  Check(kernels::GreedyChoice(logits.data_ptr<float>(), logits.size(0), static_cast<int>(logits.size(1)),
                              out.data_ptr<float>(), ids.defined() ? ids.data_ptr<int64_t>() : nullptr,
                              at::cuda::getCurrentCUDAStream()),
        "greedy_choice");
  return out;
}

bool CudaFillPendingIds(at::Tensor& ids, const at::Tensor& source_rows, const at::Tensor& previous) {
  for (const at::Tensor* t : {static_cast<const at::Tensor*>(&ids), &source_rows, &previous}) {
    if (!t->is_cuda() || t->scalar_type() != at::kLong || !t->is_contiguous() || t->device() != ids.device()) return false;
  }
  if (source_rows.numel() != ids.numel() || ids.numel() > std::numeric_limits<int>::max()) return false;
  Check(kernels::FillPendingIds(ids.data_ptr<int64_t>(), source_rows.data_ptr<int64_t>(), previous.data_ptr<int64_t>(),
                                static_cast<int>(ids.numel()), at::cuda::getCurrentCUDAStream()),
        "fill_pending_ids");
  return true;
}

void SetCudaDecodeAttention(int partition, int cluster) {
  DecodeAttentionOverride().partition = partition;
  DecodeAttentionOverride().cluster = cluster;
}

void SetCudaAttentionEarlyRelease(bool early) { DecodeAttentionOverride().release_next_early = early; }

void SetCudaGemvEarlyOperands(bool early) { GemvEarlyOperands() = early; }

int SetCudaSharedMemoryCarveout(int percent) { return kernels::SetSharedMemoryCarveout(percent); }

}  // namespace basalt::model
