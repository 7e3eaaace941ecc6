// basalt-kernel-bench (GPU builds only): times the decode-path kernels against what torch offers, on
// the TinyLlama-1.1B shapes, and prints achieved memory bandwidth. Weights rotate among copies larger
// than the L2 cache, so the numbers are DRAM numbers. Each measurement is a CUDA graph of 20 calls
// (as a decode step replays them: no host launch cost, and with BASALT_PDL=1, the default, a call may
// overlap the previous one), replayed repeatedly; the median replay time over 20 is printed per call.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>

#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "worker/model/layer_ops.h"
#include "worker/model/paged_attention.h"
#include "worker/model/quantization.h"

namespace {

constexpr int kCallsPerGraph = 20;

// Milliseconds per call of fn(i), i = 0..kCallsPerGraph-1, captured in one graph.
double MedianMs(const std::function<void(int)>& fn, int reps = 20) {
  at::cuda::CUDAStream stream = at::cuda::getStreamFromPool();
  at::cuda::CUDAStreamGuard guard(stream);
  for (int i = 0; i < kCallsPerGraph; ++i) fn(i);  // warm-up outside the graph (cuBLAS handles, workspaces)
  stream.synchronize();
  at::cuda::CUDAGraph graph;
  graph.capture_begin();
  for (int i = 0; i < kCallsPerGraph; ++i) fn(i);
  graph.capture_end();
  for (int i = 0; i < 3; ++i) graph.replay();
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    at::cuda::CUDAEvent start(cudaEventDefault), end(cudaEventDefault);
    start.record(stream);
    graph.replay();
    end.record(stream);
    end.synchronize();
    times.push_back(start.elapsed_time(end) / kCallsPerGraph);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Decode attention over a paged cache (TinyLlama: 32 heads, 4 kv heads, dim 64, blocks of 16 tokens in
// shuffled order) against torch's scaled_dot_product_attention over the same context stored contiguously
// (no paging), and the bandwidth of reading K and V once.
void BenchDecodeAttention(basalt::model::LayerOps& ops) {
  const int heads = 32, kv_heads = 4, dim = 64, block_size = 16;
  auto bf16 = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  std::printf("\n%-26s %4s %12s %12s %10s %10s %10s %10s\n", "decode attention [context]", "B", "sdpa us", "basalt us",
              "sdpa GB/s", "basalt GB/s", "splits us", "cluster8 us");
  for (int context : {256, 1024}) {
    for (int batch : {1, 8, 32, 128}) {
      const int blocks_per_seq = (context + block_size - 1) / block_size;
      const int num_blocks = batch * blocks_per_seq;
      at::Tensor key_cache = at::randn({num_blocks, block_size, kv_heads, dim}, bf16);
      at::Tensor value_cache = at::randn_like(key_cache);
      at::Tensor order = at::randperm(num_blocks, at::TensorOptions().dtype(at::kInt)).view({batch, blocks_per_seq});
      basalt::model::AttentionBatch b;
      b.query_start.push_back(0);
      for (int s = 0; s < batch; ++s) {
        const int32_t* row = order[s].data_ptr<int32_t>();
        b.block_tables.emplace_back(row, row + blocks_per_seq);
        b.context_lens.push_back(context);
        b.query_start.push_back(s + 1);
      }
      b.block_table_tensor = order.to(at::kCUDA);
      b.context_lens_tensor = at::full({batch}, context, at::TensorOptions().dtype(at::kInt).device(at::kCUDA));
      b.decode_only = true;
      basalt::model::AttentionParams params{heads, kv_heads, dim, 0, std::nullopt, 0, {}};
      at::Tensor q = at::randn({batch, heads, dim}, bf16);
      const double t_ours = MedianMs([&](int) { ops.Attention(q, key_cache, value_cache, b, params); });
      basalt::model::SetCudaDecodeAttention(0, 0);
      const double t_split = MedianMs([&](int) { ops.Attention(q, key_cache, value_cache, b, params); });
      basalt::model::SetCudaDecodeAttention(0, 8);
      const double t_cluster = MedianMs([&](int) { ops.Attention(q, key_cache, value_cache, b, params); });
      basalt::model::SetCudaDecodeAttention(0, -1);
      // The same context, contiguous, through torch's fused attention.
      at::Tensor q4 = q.unsqueeze(2);
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
      at::Tensor k = at::randn({batch, kv_heads, context, dim}, bf16), v = at::randn_like(k);
      const double t_sdpa = MedianMs([&](int) {
        at::scaled_dot_product_attention(q4, k, v, std::nullopt, 0.0, false, std::nullopt, /*enable_gqa=*/true);
      });
#else  // no grouped-query SDPA before torch 2.5: no baseline
      const double t_sdpa = std::nan("");
#endif
      const double bytes = 2.0 * batch * context * kv_heads * dim * 2;
      std::printf("%-26s %4d %12.1f %12.1f %10.0f %10.0f %10.1f %10.1f\n", std::to_string(context).c_str(), batch,
                  t_sdpa * 1e3, t_ours * 1e3, bytes / t_sdpa / 1e6, bytes / t_ours / 1e6, t_split * 1e3, t_cluster * 1e3);
    }
  }
}

// One decode forward of the TinyLlama shape (22 layers, then the LM head) for `seqs` sequences at 256
// tokens of context each, 20 forwards per CUDA graph: the time per forward with each decode attention
// form, and with attention left out (its cost inside the chain, where its neighbours overlap it), against
// the weights' bytes at the copy bandwidth measured in the same run. At one sequence the layer is the
// GEMV's five fused kernels; from 5 sequences on cuBLAS with the small kernels between, or the tensor-core
// skinny GEMM with the norm kernels.
void BenchDecodeChain(basalt::model::LayerOps& ops, int seqs) {
  using namespace basalt::model;
  const int layers = 22, hidden = 2048, inter = 5632, heads = 32, kv_heads = 4, dim = 64, vocab = 32000;
  const int block_size = 16, context = 256, seq_blocks = context / block_size + 1, blocks = seqs * seq_blocks;
  auto bf16 = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  auto longs = at::TensorOptions().dtype(at::kLong).device(at::kCUDA);
  auto weight = [&](int64_t n, int64_t k) { return LinearWeights{at::randn({n, k}, bf16) * 0.02, {}, {}}; };
  auto norm = [&]() { return NormWeights{at::randn({hidden}, bf16) * 0.1 + 1, {}, true}; };
  struct Layer {
    NormWeights input_norm, post_norm;
    LinearWeights qkv, o, gate_up, down;
    at::Tensor k, v;
  };
  std::vector<Layer> stack;
  double weight_bytes = 0;
  for (int l = 0; l < layers; ++l) {
    stack.push_back({norm(), norm(), weight((heads + 2 * kv_heads) * dim, hidden), weight(hidden, heads * dim),
                     weight(2 * inter, hidden), weight(hidden, inter),
                     at::randn({blocks, block_size, kv_heads, dim}, bf16), at::Tensor()});
    Layer& l_ = stack.back();
    l_.v = at::randn_like(l_.k);
    weight_bytes += l_.qkv.weight.nbytes() + l_.o.weight.nbytes() + l_.gate_up.weight.nbytes() + l_.down.weight.nbytes();
  }
  const LinearWeights lm_head = weight(vocab, hidden);
  weight_bytes += lm_head.weight.nbytes();
  const NormWeights final_norm = norm();

  RopeSpec rope;
  rope.rotary_dim = dim;
  const RotaryEmbedding rotary(rope, dim, 4096, at::kCUDA);
  AttentionBatch batch;  // sequence s owns blocks [s * seq_blocks, (s + 1) * seq_blocks)
  batch.query_start = {0};
  std::vector<int64_t> slots;
  for (int s = 0; s < seqs; ++s) {
    batch.query_start.push_back(s + 1);
    batch.context_lens.push_back(context);
    batch.block_tables.emplace_back();
    for (int i = 0; i < seq_blocks; ++i) batch.block_tables[s].push_back(s * seq_blocks + i);
    slots.push_back(static_cast<int64_t>(s) * seq_blocks * block_size + context - 1);
  }
  batch.positions = at::full({seqs}, context - 1, longs);
  batch.slot_mapping = at::tensor(slots, at::TensorOptions().dtype(at::kLong)).to(at::kCUDA);
  batch.block_table_tensor =
      at::arange(blocks, at::TensorOptions().dtype(at::kInt)).view({seqs, seq_blocks}).to(at::kCUDA);
  batch.context_lens_tensor = at::full({seqs}, context, at::TensorOptions().dtype(at::kInt).device(at::kCUDA));
  batch.decode_only = true;
  const AttentionParams params{heads, kv_heads, dim, 0, std::nullopt, 0, {}};
  const NormSpec spec{NormType::kRmsNorm, 1e-5, false, false};
  const at::Tensor start = at::randn({seqs, hidden}, bf16);
  at::Tensor residual = start.clone();
  const at::Tensor greedy_ids = at::empty({seqs}, longs);
  auto forward = [&](bool attention) {
    residual.copy_(start);
    for (Layer& l : stack) {
      at::Tensor q = ops.NormQkvRotaryCacheWrite(residual, l.input_norm, spec, l.qkv, params, &rotary, batch, l.k, l.v);
      at::Tensor mixed = attention ? ops.Attention(q, l.k, l.v, batch, params) : q.reshape({seqs, heads * dim});
      ops.LinearAddInto(mixed, l.o, residual);
      ops.LinearAddInto(ops.NormGatedLinear(residual, l.post_norm, spec, l.gate_up, Activation::kSilu), l.down, residual);
    }
    // The LM head as the server runs it: final norm in the GEMV, float logits, the greedy kernel.
    at::Tensor hidden;
    GreedyChoice(ops.LogitsHead(residual, &final_norm, spec, lm_head, &hidden), greedy_ids);
  };

  // Copy bandwidth as bench/hf_baseline.py measures it, from eager copies (the same copy replayed in a
  // CUDA graph measured 2710-2769 GB/s on an H200 against 4246 eager; why was not established).
  at::Tensor src = at::empty({1LL << 29}, bf16), dst = at::empty_like(src);
  for (int i = 0; i < 3; ++i) dst.copy_(src);
  at::cuda::CUDAEvent copy_start(cudaEventDefault), copy_end(cudaEventDefault);
  copy_start.record(at::cuda::getCurrentCUDAStream());
  for (int i = 0; i < 20; ++i) dst.copy_(src);
  copy_end.record(at::cuda::getCurrentCUDAStream());
  copy_end.synchronize();
  const double copy_gbs = 2.0 * src.nbytes() * 20 / (copy_start.elapsed_time(copy_end) * 1e6);
  const double roofline_us = weight_bytes / copy_gbs / 1e3;
  std::printf("\ndecode chain, batch %d, context %d: weights %.2f GB, copy %.0f GB/s -> roofline %.0f us (%.0f tok/s)\n",
              seqs, context, weight_bytes / 1e9, copy_gbs, roofline_us, seqs * 1e6 / roofline_us);
  std::printf("%-48s %10s %10s %10s\n", "variant", "us", "tok/s", "roofline");
  // The library's shared-memory split (SetCudaSharedMemoryCarveout returns the setting it replaces).
  const int carveout = SetCudaSharedMemoryCarveout(-1);
  SetCudaSharedMemoryCarveout(carveout);
  struct Variant {
    const char* name;
    bool attention;
    int partition, cluster;  // SetCudaDecodeAttention
    bool early_release;      // SetCudaAttentionEarlyRelease
    bool late_operands;      // SetCudaGemvEarlyOperands(false)
    int carveout;            // SetCudaSharedMemoryCarveout
    SkinnyGemm skinny = SkinnyGemm::kMeasured;  // SetCudaSkinnyGemm
  };
  const std::vector<Variant> batched = {
      {"default", true, 0, -1, false, false, carveout},
      {"cuBLAS for every product", true, 0, -1, false, false, carveout, SkinnyGemm::kOff},
      {"tensor-core skinny GEMM for every product", true, 0, -1, false, false, carveout, SkinnyGemm::kAll},
      {"no attention", false, 0, -1, false, false, carveout},
      {"no attention, cuBLAS for every product", false, 0, -1, false, false, carveout, SkinnyGemm::kOff}};
  const std::vector<Variant> single = {{"default", true, 0, -1, false, false, carveout},
                                               {"shared memory split: the driver's, per kernel", true, 0, -1, false, false, -1},
                                               {"shared memory split 28% (64 KB)", true, 0, -1, false, false, 28},
                                               {"shared memory split 100% (228 KB)", true, 0, -1, false, false, 100},
                                               {"GEMV epilogue operands after the reduction", true, 0, -1, false, true, carveout},
                                               {"o projection released at attention's start", true, 0, -1, true, false, carveout},
                                               {"split protocol, splits of 64", true, 64, 0, false, false, carveout},
                                               {"clusters of 8", true, 0, 8, false, false, carveout},
                                               {"no attention", false, 0, -1, false, false, carveout},
                                               {"no attention, the driver's split", false, 0, -1, false, false, -1}};
  for (const Variant& v : seqs == 1 ? single : batched) {
    SetCudaSkinnyGemm(v.skinny);
    SetCudaDecodeAttention(v.partition, v.cluster);
    SetCudaAttentionEarlyRelease(v.early_release);
    SetCudaGemvEarlyOperands(!v.late_operands);
    SetCudaSharedMemoryCarveout(v.carveout);
    const double us = MedianMs([&](int) { forward(v.attention); }, 10) * 1e3;
    std::printf("%-48s %10.1f %10.0f %10.2f\n", v.name, us, seqs * 1e6 / us, roofline_us / us);
  }
  SetCudaSkinnyGemm(SkinnyGemm::kMeasured);
  SetCudaSharedMemoryCarveout(carveout);
  SetCudaDecodeAttention(0, -1);
  SetCudaAttentionEarlyRelease(false);
  SetCudaGemvEarlyOperands(true);
}

}  // namespace

int main() {
  using basalt::model::LinearWeights;
  auto ops = basalt::model::MakeCudaLayerOps();
  auto torch_ops = basalt::model::MakeTorchLayerOps();
  auto bf16 = at::TensorOptions().dtype(at::kBFloat16).device(at::kCUDA);
  std::printf("%-26s %4s %12s %12s %10s %10s %10s %10s %10s\n", "linear [N x K]", "M", "torch us", "basalt us",
              "torch GB/s", "basalt GB/s", "int8 us", "int8 GB/s", "mma us");
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{2560, 2048}, {2048, 2048}, {11264, 2048}, {2048, 5632},
                                                          {32000, 2048}};
  for (auto [n, k] : shapes) {
    const int copies = std::max<int64_t>(2, (256LL << 20) / (n * k * 2));
    std::vector<LinearWeights> weights, int8_weights;
    for (int c = 0; c < copies; ++c) {
      weights.push_back({at::randn({n, k}, bf16) * 0.02, {}});
      const auto rows = basalt::model::QuantizeInt8Rows(weights.back().weight);
      int8_weights.push_back({rows.q, {}, rows.scale});
    }
    for (int64_t m : {1, 4, 8, 16, 32, 64}) {
      at::Tensor x = at::randn({m, k}, bf16);
      const double t_torch = MedianMs([&](int i) { torch_ops->Linear(x, weights[i % copies]); });
      const double t_ours = MedianMs([&](int i) { ops->Linear(x, weights[i % copies]); });
      const double t_int8 = MedianMs([&](int i) { ops->Linear(x, int8_weights[i % copies]); });
      // "basalt" is what serving runs (the GEMV, the skinny GEMM's measured shapes, else cuBLAS); the
      // tensor-core skinny GEMM (5-64 rows) at every shape apart.
      using basalt::model::SkinnyGemm;
      double t_mma = std::nan("");
      if (m > 4) {
        basalt::model::SetCudaSkinnyGemm(SkinnyGemm::kAll);
        t_mma = MedianMs([&](int i) { ops->Linear(x, weights[i % copies]); });
        basalt::model::SetCudaSkinnyGemm(SkinnyGemm::kMeasured);
      }
      const double bytes = static_cast<double>(n) * k * 2, int8_bytes = static_cast<double>(n) * (k + 4);
      std::printf("%-26s %4ld %12.1f %12.1f %10.0f %10.0f %10.1f %10.0f %10.1f\n",
                  (std::to_string(n) + " x " + std::to_string(k)).c_str(), static_cast<long>(m), t_torch * 1e3,
                  t_ours * 1e3, bytes / t_torch / 1e6, bytes / t_ours / 1e6, t_int8 * 1e3, int8_bytes / t_int8 / 1e6,
                  t_mma * 1e3);
    }
  }
  BenchDecodeAttention(*ops);
  for (int seqs : {1, 8, 16, 32}) BenchDecodeChain(*ops, seqs);
  return 0;
}
