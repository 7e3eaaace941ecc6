// The CUDA kernels against the torch reference ops on random inputs (built and run only where CUDA is:
// the GPU machine). Relative error ||out - ref|| / ||ref|| in float32 of bf16/fp16 results.
#include <gtest/gtest.h>

#include <random>

#include "worker/model/layer_ops.h"
#include "worker/model/layers.h"
#include "worker/model/paged_attention.h"
#include "worker/model/quantization.h"
#include "worker/model/rotary.h"
#include "worker/model/varlen_attention.h"

namespace basalt::model {
namespace {

double RelativeError(const at::Tensor& out, const at::Tensor& ref) {
  at::Tensor o = out.to(at::kDouble).cpu(), r = ref.to(at::kDouble).cpu();
  EXPECT_FALSE(at::isnan(o).any().item<bool>()) << "NaN in output";
  return (o - r).norm().item<double>() / std::max(r.norm().item<double>(), 1e-30);
}

class CudaOpsTest : public ::testing::TestWithParam<at::ScalarType> {
 protected:
  void SetUp() override {
    // The tensor-core skinny GEMM takes only its measured-faster shapes by default (skinny_mma.h); these
    // tests check it at every shape it supports, the model reference tests run the default.
    SetCudaSkinnyGemm(SkinnyGemm::kAll);
    if (!at::hasCUDA()) GTEST_FAIL() << "no CUDA device";
    cuda_ = MakeCudaLayerOps();
    ASSERT_NE(cuda_, nullptr);
    torch_ = MakeTorchLayerOps();
    at::manual_seed(1234);
  }
  void TearDown() override {
    SetCudaSkinnyGemm(SkinnyGemm::kMeasured);
    SetCudaDecodeAttention(0, -1);
    SetCudaGemvEarlyOperands(true);
  }
  at::TensorOptions opts() const { return at::TensorOptions().dtype(GetParam()).device(at::kCUDA); }
  double Tolerance() const { return GetParam() == at::kFloat ? 1e-5 : 1e-2; }
  std::unique_ptr<LayerOps> cuda_, torch_;
};

TEST_P(CudaOpsTest, RmsNorm) {
  for (bool unit_offset : {false, true}) {
    NormSpec spec{NormType::kRmsNorm, 1e-5, false, unit_offset};
    NormWeights w{at::randn({2048}, opts()), {}};
    at::Tensor x = at::randn({37, 2048}, opts());
    EXPECT_LT(RelativeError(cuda_->Norm(x, w, spec), torch_->Norm(x, w, spec)), Tolerance());
  }
}

// The pre-norm layer's fused forms (norm in the GEMV prologue; residual add, gated activation, rotary +
// cache write in its epilogue) against the torch composition, for dtype and int8 weights, at batch
// sizes the GEMV takes (1-4, int8 up to 8), the tensor-core form takes (5-64, 16-bit weights, after the
// norm kernel) and ones that fall back (65; int8 above 8).
LinearWeights RandomLinear(int64_t n, int64_t k, bool int8, bool bias, const at::TensorOptions& opts) {
  at::Tensor b = bias ? at::randn({n}, opts) : at::Tensor();
  if (!int8) return LinearWeights{at::randn({n, k}, opts) * 0.05, b};
  Int8Rows rows = QuantizeInt8Rows(at::randn({n, k}, opts) * 0.05);
  return LinearWeights{rows.q, b, rows.scale};
}

// The LM head: norm prologue, float logits, the normalized rows as the hidden state; and without a norm.
// int8 weights (an untied head under --quantization int8) with the hidden state wanted take the norm
// kernel first (the GEMV writes normalized rows for 16-bit weights only).
TEST_P(CudaOpsTest, LogitsHeadMatchesNormLinearAsFloat) {
  NormSpec spec{NormType::kRmsNorm, 1e-5, false, false};
  NormWeights norm{at::randn({1024}, opts()) * 0.3 + 1, {}};
  for (bool int8 : {false, true}) {
    for (int64_t m : {1, 3, 4, 9}) {  // 9: the norm kernel, then the tensor-core form with float logits
      LinearWeights w = RandomLinear(9000, 1024, int8, false, opts());  // 9000 rows: 4 rows per block
      at::Tensor x = at::randn({m, 1024}, opts());
      at::Tensor hidden, ref_hidden;
      at::Tensor logits = cuda_->LogitsHead(x, &norm, spec, w, &hidden);
      at::Tensor ref = torch_->LogitsHead(x, &norm, spec, w, &ref_hidden);
      EXPECT_EQ(logits.scalar_type(), at::kFloat);
      EXPECT_LT(RelativeError(logits, ref), Tolerance()) << "m " << m << " int8 " << int8;
      ASSERT_TRUE(hidden.defined()) << "m " << m << " int8 " << int8;
      EXPECT_LT(RelativeError(hidden, ref_hidden), Tolerance()) << "m " << m << " int8 " << int8;
      EXPECT_LT(RelativeError(cuda_->LogitsHead(x, nullptr, spec, w, nullptr), torch_->LogitsHead(x, nullptr, spec, w, nullptr)),
                Tolerance())
          << "no norm, m " << m << " int8 " << int8;
    }
  }
}

TEST_P(CudaOpsTest, FusedNormLinearAndAddInto) {
  for (bool int8 : {false, true}) {
    for (int64_t m : {1, 3, 8, 9, 24, 64, 65}) {
      for (bool unit_offset : {false, true}) {
        NormSpec spec{NormType::kRmsNorm, 1e-6, false, unit_offset};
        NormWeights norm{at::randn({1024}, opts()) * 0.3, {}};
        LinearWeights w = RandomLinear(1536, 1024, int8, unit_offset, opts());
        at::Tensor x = at::randn({m, 1024}, opts());
        EXPECT_LT(RelativeError(cuda_->NormLinear(x, norm, spec, w), torch_->NormLinear(x, norm, spec, w)), Tolerance())
            << "m " << m << " int8 " << int8 << " unit_offset " << unit_offset;
        if (m == 1) {  // rows longer than one round of loads (2048 16-bit values)
          NormWeights long_norm{at::randn({3072}, opts()) * 0.3, {}};
          LinearWeights long_w = RandomLinear(256, 3072, int8, unit_offset, opts());
          at::Tensor long_x = at::randn({m, 3072}, opts());
          EXPECT_LT(RelativeError(cuda_->NormLinear(long_x, long_norm, spec, long_w),
                                  torch_->NormLinear(long_x, long_norm, spec, long_w)),
                    Tolerance())
              << "k 3072, int8 " << int8 << " unit_offset " << unit_offset;
        }
        LinearWeights down = RandomLinear(1024, 1536, int8, unit_offset, opts());
        at::Tensor h = at::randn({m, 1536}, opts());
        at::Tensor r2 = x.clone();
        torch_->LinearAddInto(h, down, r2);
        for (bool early : {true, false}) {  // the residual loaded before or after the GEMV's reduction
          SetCudaGemvEarlyOperands(early);
          at::Tensor r1 = x.clone();
          cuda_->LinearAddInto(h, down, r1);
          EXPECT_LT(RelativeError(r1, r2), Tolerance()) << "add into, m " << m << " int8 " << int8 << " early " << early;
        }
        SetCudaGemvEarlyOperands(true);
      }
    }
  }
}

TEST_P(CudaOpsTest, FusedNormGatedLinear) {
  NormSpec spec{NormType::kRmsNorm, 1e-5, false, false};
  NormWeights norm{at::randn({512}, opts()), {}};
  for (bool int8 : {false, true}) {
    for (int64_t m : {1, 4, 9, 32, 64}) {
      // 2 x 4608 rows take 4 rows (two gate/up pairs) per block, 2 x 704 take 2.
      for (int64_t inter : {704, 4608}) {
        LinearWeights gate_up = RandomLinear(2 * inter, 512, int8, false, opts());
        at::Tensor x = at::randn({m, 512}, opts());
        for (Activation act : {Activation::kSilu, Activation::kGeluTanh, Activation::kGelu}) {
          EXPECT_LT(RelativeError(cuda_->NormGatedLinear(x, norm, spec, gate_up, act),
                                  torch_->NormGatedLinear(x, norm, spec, gate_up, act)),
                    Tolerance())
              << "m " << m << " inter " << inter << " int8 " << int8;
        }
      }
    }
  }
}

// Shapes: 8 heads of 64 over 2 kv heads, and the gemma fixture's 4 heads of 16 over one kv head (96 rows:
// three 32-row clusters of the tensor-core form, pairs 8 rows apart).
struct QkvShape {
  int heads, kv_heads, dim, hidden;
};

TEST_P(CudaOpsTest, FusedNormQkvRotaryCacheWrite) {
  for (const QkvShape shape : {QkvShape{8, 2, 64, 512}, QkvShape{4, 1, 16, 64}}) {
    const int heads = shape.heads, kv_heads = shape.kv_heads, dim = shape.dim, hidden = shape.hidden;
    const int blocks = 16, block_size = 16;
    NormSpec spec{NormType::kRmsNorm, 1e-5, false, false};
    NormWeights norm{at::randn({hidden}, opts()), {}};
    LinearWeights qkv{at::randn({(heads + 2 * kv_heads) * dim, hidden}, opts()) * 0.05,
                      at::randn({(heads + 2 * kv_heads) * dim}, opts())};
    for (int rotary_dim : {dim, dim / 4, 0}) {  // dim / 4: partial rotary falls back; 0: no rotary, cache write only
      for (int64_t tokens : {1, 3, 9, 17, 31, 39, 64}) {
        RopeSpec rope;
        rope.rotary_dim = rotary_dim > 0 ? rotary_dim : dim;
        rope.theta = 10000;
        RotaryEmbedding rotary(rope, dim, 4096, at::kCUDA);
        AttentionParams params{heads, kv_heads, dim, 0, std::nullopt, 0, {}};
        AttentionBatch batch;
        const auto longs = at::TensorOptions().dtype(at::kLong).device(at::kCUDA);
        batch.positions = at::randint(0, 3000, {tokens}, longs);
        batch.slot_mapping = at::randperm(blocks * block_size, longs).narrow(0, 0, tokens).clone();
        if (tokens > 1) batch.slot_mapping[1] = -1;  // a padding row of a CUDA graph batch: no cache write
        at::Tensor k1 = at::zeros({blocks, block_size, kv_heads, dim}, opts()), v1 = at::zeros_like(k1);
        at::Tensor k2 = k1.clone(), v2 = v1.clone();
        at::Tensor x = at::randn({tokens, hidden}, opts());
        const RotaryEmbedding* r = rotary_dim > 0 ? &rotary : nullptr;
        // Odd cases load the rotary operands after the GEMV's reduction (the measurement baseline).
        SetCudaGemvEarlyOperands(tokens % 2 == 0);
        at::Tensor q1 = cuda_->NormQkvRotaryCacheWrite(x, norm, spec, qkv, params, r, batch, k1, v1);
        SetCudaGemvEarlyOperands(true);
        // The torch reference skips no slot: give it the valid rows only.
        at::Tensor valid = (batch.slot_mapping >= 0).nonzero().squeeze(1);
        AttentionBatch valid_batch = batch;
        valid_batch.positions = batch.positions.index_select(0, valid);
        valid_batch.slot_mapping = batch.slot_mapping.index_select(0, valid);
        at::Tensor q2 = torch_->NormQkvRotaryCacheWrite(x.index_select(0, valid), norm, spec, qkv, params, r, valid_batch,
                                                        k2, v2);
        EXPECT_LT(RelativeError(q1.index_select(0, valid), q2), Tolerance()) << "rotary_dim " << rotary_dim << " tokens " << tokens;
        EXPECT_LT(RelativeError(k1, k2), Tolerance()) << "rotary_dim " << rotary_dim << " tokens " << tokens;
        EXPECT_LT(RelativeError(v1, v2), Tolerance()) << "rotary_dim " << rotary_dim << " tokens " << tokens;
      }
    }
  }
}

TEST_P(CudaOpsTest, SkinnyLinearMatchesTorch) {
  // 1-4 rows take the GEMV, 5-64 the tensor-core form (16-bit), the rest cuBLAS; 1536 x 2048 splits k.
  for (int64_t m : {1, 3, 8, 9, 16, 24, 33, 64, 65}) {
    for (auto [n, k] : std::vector<std::pair<int64_t, int64_t>>{{2560, 2048}, {37, 64}, {1001, 5632}, {1536, 2048}}) {
      LinearWeights w{at::randn({n, k}, opts()) * 0.05, at::randn({n}, opts())};
      at::Tensor x = at::randn({m, k}, opts());
      const at::Tensor y = cuda_->Linear(x, w);
      EXPECT_LT(RelativeError(y, torch_->Linear(x.to(at::kFloat), {w.weight.to(at::kFloat), w.bias.to(at::kFloat)})),
                Tolerance())
          << m << "x" << n << "x" << k;
      // Split k adds its partial sums in a fixed order: the same result every call.
      EXPECT_TRUE(at::equal(y, cuda_->Linear(x, w))) << m << "x" << n << "x" << k;
    }
  }
}

// --quantization int8: the int8 GEMV (m <= 8) and the dequantize-then-cuBLAS path (m = 9, 40) against
// float32 math on the dequantized weight, with and without bias, k not a multiple of 16 falling back.
TEST_P(CudaOpsTest, Int8LinearMatchesDequantizedFloat) {
  for (int64_t m : {1, 4, 8, 9, 40}) {
    for (auto [n, k] : std::vector<std::pair<int64_t, int64_t>>{{2560, 2048}, {37, 64}, {1001, 5632}, {33, 40}}) {
      for (bool with_bias : {false, true}) {
        Int8Rows rows = QuantizeInt8Rows(at::randn({n, k}, opts()) * 0.05);
        LinearWeights w{rows.q, with_bias ? at::randn({n}, opts()) : at::Tensor(), rows.scale};
        at::Tensor x = at::randn({m, k}, opts());
        const at::Tensor dense = DequantizeInt8(rows.q, rows.scale, at::kFloat);
        const at::Tensor ref = at::linear(x.to(at::kFloat), dense, with_bias ? w.bias.to(at::kFloat) : at::Tensor());
        EXPECT_LT(RelativeError(cuda_->Linear(x, w), ref), Tolerance()) << m << "x" << n << "x" << k << " bias " << with_bias;
      }
    }
  }
}

TEST_P(CudaOpsTest, GatedActivations) {
  at::Tensor x = at::randn({19, 2 * 5632}, opts());
  for (Activation act : {Activation::kSilu, Activation::kGeluTanh, Activation::kGelu}) {
    EXPECT_LT(RelativeError(cuda_->GatedActivation(x, act), torch_->GatedActivation(x, act)), Tolerance());
  }
}

TEST_P(CudaOpsTest, RotaryAndCacheWrite) {
  const int heads = 8, kv_heads = 2, dim = 64, tokens = 23, blocks = 16, block_size = 16;
  for (int rotary_dim : {64, 16}) {
    RopeSpec rope;
    rope.rotary_dim = rotary_dim;
    rope.theta = 10000;
    RotaryEmbedding rotary(rope, dim, 4096, at::kCUDA);
    AttentionParams params{heads, kv_heads, dim, 0, std::nullopt, 0, {}};
    AttentionBatch batch;
    batch.positions = at::randint(0, 3000, {tokens}, at::TensorOptions().dtype(at::kLong).device(at::kCUDA));
    batch.slot_mapping = at::randperm(blocks * block_size, at::TensorOptions().dtype(at::kLong).device(at::kCUDA))
                             .narrow(0, 0, tokens);
    at::Tensor qkv = at::randn({tokens, (heads + 2 * kv_heads) * dim}, opts());
    at::Tensor k1 = at::zeros({blocks, block_size, kv_heads, dim}, opts()), v1 = at::zeros_like(k1);
    at::Tensor k2 = k1.clone(), v2 = v1.clone();
    at::Tensor qkv1 = qkv.clone(), qkv2 = qkv.clone();
    at::Tensor q1 = cuda_->RotaryAndCacheWrite(qkv1, params, &rotary, batch, k1, v1);
    at::Tensor q2 = torch_->RotaryAndCacheWrite(qkv2, params, &rotary, batch, k2, v2);
    EXPECT_LT(RelativeError(q1, q2), Tolerance()) << "rotary_dim " << rotary_dim;
    EXPECT_LT(RelativeError(k1, k2), Tolerance());
    EXPECT_LT(RelativeError(v1, v2), Tolerance());
  }
}

// The fused greedy choice against torch's argmax and log_softmax, with the maximum repeated in a row
// (torch takes its first index) and vocabularies that do not fill the block evenly.
TEST_P(CudaOpsTest, GreedyChoiceMatchesArgmaxAndLogSoftmax) {
  if (GetParam() != at::kFloat) GTEST_SKIP() << "logits are float32 whatever the model dtype";
  for (int64_t vocab : {7, 1000, 32000, 151936}) {
    at::Tensor logits = at::randn({5, vocab}, opts()) * 4;
    logits[2].fill_(1.5);                                    // all tied: index 0
    logits[3][vocab - 1] = 100;
    logits[3][vocab / 2] = 100;                               // tied maximum: the first of the two
    at::Tensor device_ids = at::full({5}, -7, logits.options().dtype(at::kLong));
    at::Tensor out = CudaGreedyChoice(logits, device_ids);
    ASSERT_TRUE(out.defined());
    at::Tensor ids = out.select(1, 0).to(at::kLong), logprobs = out.select(1, 1);
    EXPECT_TRUE(ids.equal(logits.argmax(-1))) << "vocab " << vocab;
    EXPECT_TRUE(device_ids.equal(ids)) << "vocab " << vocab;
    at::Tensor expected = at::log_softmax(logits, -1).gather(1, ids.unsqueeze(1)).squeeze(1);
    EXPECT_LT((logprobs - expected).abs().max().item<double>(), 1e-4) << "vocab " << vocab;
  }
}

// The next step's input ids from the previous step's choices, against the torch form.
TEST_P(CudaOpsTest, FillPendingIdsTakesThePreviousChoices) {
  if (GetParam() != at::kFloat) GTEST_SKIP() << "ids are int64 whatever the model dtype";
  const auto longs = opts().dtype(at::kLong);
  for (int n : {1, 5, 130, 512}) {
    at::Tensor ids = at::randint(0, 1000, {n}, longs);
    at::Tensor previous = at::randint(0, 1000, {n + 3}, longs);
    at::Tensor rows = at::randint(-1, n + 3, {n}, longs);  // -1: the id is known
    at::Tensor expected = at::where(rows >= 0, previous.index_select(0, rows.clamp_min(0)), ids);
    ASSERT_TRUE(CudaFillPendingIds(ids, rows, previous));
    EXPECT_TRUE(ids.equal(expected)) << "n " << n;
  }
}

struct AttentionCase {
  int heads, kv_heads, dim, window;
  double softcap;
};

// The decode step's first kernel: rows of the table, with the previous step's device choices filled in
// (and written back to the ids); an id outside the vocabulary gives a zero row instead of a fault.
TEST_P(CudaOpsTest, EmbedFillsPendingIdsAndLooksUpRows) {
  const auto longs = at::TensorOptions().dtype(at::kLong).device(at::kCUDA);
  at::Tensor table = at::randn({50, 256}, opts());
  at::Tensor previous = at::tensor(std::vector<int64_t>{7, 42, 3}, longs);
  at::Tensor source_rows = at::tensor(std::vector<int64_t>{-1, 1, -1, 0, 2}, longs);
  at::Tensor ids = at::tensor(std::vector<int64_t>{5, 0, 49, 0, 0}, longs);
  at::Tensor ref_ids = at::tensor(std::vector<int64_t>{5, 42, 49, 7, 3}, longs);
  at::Tensor out = cuda_->Embed(table, ids, source_rows, previous);
  EXPECT_TRUE(at::equal(ids, ref_ids));
  EXPECT_TRUE(at::equal(out, table.index_select(0, ref_ids)));
  at::Tensor plain = at::tensor(std::vector<int64_t>{1, 2}, longs);
  EXPECT_TRUE(at::equal(cuda_->Embed(table, plain, at::Tensor(), at::Tensor()), table.index_select(0, plain)));
  at::Tensor outside = at::tensor(std::vector<int64_t>{3, 50, -2}, longs);
  at::Tensor rows = cuda_->Embed(table, outside, at::Tensor(), at::Tensor());
  EXPECT_TRUE(at::equal(rows[0], table[3]));
  EXPECT_EQ(rows.narrow(0, 1, 2).abs().sum().item<double>(), 0.0);
}

TEST_P(CudaOpsTest, PagedDecodeAttentionMatchesReference) {
  std::mt19937 rng(7);
  for (AttentionCase c : {AttentionCase{32, 4, 64, 0, 0}, AttentionCase{8, 8, 128, 0, 0}, AttentionCase{16, 2, 128, 100, 0},
                          AttentionCase{8, 4, 256, 0, 30.0}, AttentionCase{12, 12, 64, 0, 0},
                          // the tensor-core kernel's group sizes up to 16, a group of 7 (Qwen2.5-7B), softcap
                          AttentionCase{16, 1, 64, 0, 0}, AttentionCase{28, 4, 128, 0, 0},
                          AttentionCase{16, 8, 128, 40, 50.0}}) {
    const int block_size = 16, num_seqs = 9, num_blocks = 1024;
    at::Tensor key_cache = at::randn({num_blocks, block_size, c.kv_heads, c.dim}, opts());
    at::Tensor value_cache = at::randn_like(key_cache);
    AttentionBatch batch;
    batch.query_start.push_back(0);
    std::vector<int32_t> perm(num_blocks);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    size_t next = 0, max_blocks = 0;
    for (int s = 0; s < num_seqs; ++s) {
      const int context = 1 + static_cast<int>(rng() % 1500);
      std::vector<int32_t> table(perm.begin() + next, perm.begin() + next + (context + block_size - 1) / block_size);
      next += table.size();
      max_blocks = std::max(max_blocks, table.size());
      batch.block_tables.push_back(table);
      batch.context_lens.push_back(context);
      batch.query_start.push_back(s + 1);
    }
    std::vector<int32_t> flat(num_seqs * max_blocks, 0), lens;
    for (int s = 0; s < num_seqs; ++s) {
      std::copy(batch.block_tables[s].begin(), batch.block_tables[s].end(), flat.begin() + s * max_blocks);
      lens.push_back(static_cast<int32_t>(batch.context_lens[s]));
    }
    batch.block_table_tensor =
        at::tensor(flat, at::kInt).view({num_seqs, static_cast<int64_t>(max_blocks)}).to(at::kCUDA);
    batch.context_lens_tensor = at::tensor(lens, at::kInt).to(at::kCUDA);
    batch.decode_only = true;
    AttentionParams params{c.heads, c.kv_heads, c.dim, 0, std::nullopt, c.softcap, {}};
    if (c.window > 0) params.sliding_window = c.window;
    // q as a strided view, the way it comes out of the fused qkv projection.
    at::Tensor qkv = at::randn({num_seqs, (c.heads + 2 * c.kv_heads) * c.dim}, opts());
    at::Tensor q = qkv.narrow(1, 0, c.heads * c.dim).view({num_seqs, c.heads, c.dim});
    at::Tensor ref = PagedAttentionReference(q.to(at::kFloat), key_cache.to(at::kFloat), value_cache.to(at::kFloat),
                                             batch, params);
    // The split protocol twice (the split counters the last block of each head group merges by must be
    // left at zero), then the cluster form (tensor-core kernel, Hopper) with clusters of 2, 4 and 8 blocks.
    for (int cluster : {0, 0, 2, 4, 8}) {
      SetCudaDecodeAttention(0, cluster);
      at::Tensor out = cuda_->Attention(q, key_cache, value_cache, batch, params);
      EXPECT_LT(RelativeError(out, ref), Tolerance()) << "heads " << c.heads << "/" << c.kv_heads << " dim " << c.dim
                                                      << " window " << c.window << " cluster " << cluster;
    }
    SetCudaDecodeAttention(0, -1);
  }
}

TEST_P(CudaOpsTest, PrefillChunksMatchReference) {
  // Whole prompts, chunks that continue a cached context, a decode row first (mixed step), windows.
  const int heads = 16, kv_heads = 4, dim = 64, block_size = 16, num_blocks = 256;
  at::Tensor key_cache = at::randn({num_blocks, block_size, kv_heads, dim}, opts());
  at::Tensor value_cache = at::randn_like(key_cache);
  for (int window : {0, 24}) {
    AttentionBatch batch;
    const std::vector<std::pair<int, int>> chunks = {{1, 50}, {37, 37}, {5, 100}, {64, 64}, {30, 130}};
    int next_block = 0, tokens = 0;
    batch.query_start.push_back(0);
    for (auto [n, context] : chunks) {
      std::vector<int32_t> table;
      for (int b = 0; b < (context + block_size - 1) / block_size; ++b) table.push_back(next_block++);
      batch.block_tables.push_back(table);
      batch.context_lens.push_back(context);
      tokens += n;
      batch.query_start.push_back(tokens);
    }
    size_t max_blocks = 0;
    for (const auto& t : batch.block_tables) max_blocks = std::max(max_blocks, t.size());
    std::vector<int32_t> flat(chunks.size() * max_blocks, 0), lens;
    for (size_t s = 0; s < chunks.size(); ++s) {
      std::copy(batch.block_tables[s].begin(), batch.block_tables[s].end(), flat.begin() + s * max_blocks);
      lens.push_back(static_cast<int32_t>(batch.context_lens[s]));
    }
    batch.block_table_tensor =
        at::tensor(flat, at::kInt).view({static_cast<int64_t>(chunks.size()), static_cast<int64_t>(max_blocks)}).to(at::kCUDA);
    batch.context_lens_tensor = at::tensor(lens, at::kInt).to(at::kCUDA);
    AttentionParams params{heads, kv_heads, dim, 0, std::nullopt, 0, {}};
    if (window > 0) params.sliding_window = window;
    at::Tensor q = at::randn({tokens, heads, dim}, opts());
    at::Tensor ref = PagedAttentionReference(q.to(at::kFloat), key_cache.to(at::kFloat), value_cache.to(at::kFloat),
                                             batch, params);
    // Per sequence, then (with the layout the model runner builds) the prompt chunks in one varlen launch.
    EXPECT_LT(RelativeError(cuda_->Attention(q, key_cache, value_cache, batch, params), ref), Tolerance())
        << "window " << window;
    // torch 2.x's CUDA builds have the varlen kernel: the 16-bit cases below must go through it.
    if (GetParam() != at::kFloat) {
      EXPECT_TRUE(VarlenFlashAttention::Available());
    }
    AddPrefillLayout(batch, block_size, at::kCUDA);
    ASSERT_EQ(batch.prefill_first, 1);
    EXPECT_EQ(batch.prefill_max_k, 130);
    EXPECT_LT(RelativeError(cuda_->Attention(q, key_cache, value_cache, batch, params), ref), Tolerance())
        << "varlen, window " << window;
  }
}

INSTANTIATE_TEST_SUITE_P(DTypes, CudaOpsTest, ::testing::Values(at::kBFloat16, at::kHalf, at::kFloat),
                         [](const auto& info) { return std::string(c10::toString(info.param)); });

}  // namespace
}  // namespace basalt::model
