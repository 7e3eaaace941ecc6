#include "worker/engine/cuda_graph_runner.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>

#include "spdlog/spdlog.h"

namespace basalt::engine {

struct CudaGraphRunner::Graph {
  at::cuda::CUDAGraph graph;
  model::AttentionBatch batch;  // views of the static buffers
  at::Tensor logits, hidden;    // outputs, at fixed addresses
};

CudaGraphRunner::CudaGraphRunner(const model::DecoderModel& model, model::KvCache& cache, int max_batch,
                                 int max_blocks_per_seq)
    : model_(model), cache_(cache), max_blocks_per_seq_(max_blocks_per_seq) {
  for (int b : {1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 160, 192, 224, 256, 320, 384, 448, 512}) {
    if (b <= max_batch) buckets_.push_back(b);
  }
  if (buckets_.empty() || buckets_.back() < max_batch) buckets_.push_back(max_batch);
  const int64_t n = buckets_.back();
  auto longs = at::TensorOptions().dtype(at::kLong).device(model.device());
  auto ints = at::TensorOptions().dtype(at::kInt).device(model.device());
  input_ids_ = at::zeros({n}, longs);
  positions_ = at::zeros({n}, longs);
  slots_ = at::full({n}, -1, longs);
  block_tables_ = at::zeros({n, max_blocks_per_seq}, ints);
  context_lens_ = at::ones({n}, ints);
  logits_indices_ = at::arange(n, longs);
  // Largest first: smaller graphs then fit in the memory pool the first one allocated.
  for (auto it = buckets_.rbegin(); it != buckets_.rend(); ++it) Capture(*it);
  spdlog::info("captured {} CUDA graphs for decode batches up to {}", graphs_.size(), n);
}

CudaGraphRunner::~CudaGraphRunner() = default;

int CudaGraphRunner::num_graphs() const { return static_cast<int>(graphs_.size()); }

int CudaGraphRunner::BucketFor(int batch) const {
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), batch);
  return it == buckets_.end() ? -1 : *it;
}

void CudaGraphRunner::Capture(int batch) {
  auto graph = std::make_unique<Graph>();
  model::AttentionBatch& b = graph->batch;
  for (int s = 0; s <= batch; ++s) b.query_start.push_back(s);
  b.context_lens.assign(batch, 1);
  b.block_tables.assign(batch, {0});
  b.positions = positions_.narrow(0, 0, batch);
  b.slot_mapping = slots_.narrow(0, 0, batch);
  b.block_table_tensor = block_tables_.narrow(0, 0, batch);
  b.context_lens_tensor = context_lens_.narrow(0, 0, batch);
  b.max_context_len = static_cast<int64_t>(max_blocks_per_seq_) * cache_.block_size();
  b.decode_only = true;
  at::Tensor ids = input_ids_.narrow(0, 0, batch), indices = logits_indices_.narrow(0, 0, batch);

  at::cuda::CUDAStream stream = at::cuda::getStreamFromPool();
  {
    at::cuda::CUDAStreamGuard guard(stream);
    model_.Forward(ids, b, cache_, indices);  // warm-up: lazy initialization stays out of the graph
    stream.synchronize();
    const at::cuda::MempoolId_t pool = graphs_.empty() ? at::cuda::MempoolId_t{0, 0} : graphs_.begin()->second->graph.pool();
    graph->graph.capture_begin(pool);
    auto out = model_.Forward(ids, b, cache_, indices);
    graph->graph.capture_end();
    graph->logits = out.logits;
    graph->hidden = out.hidden;
  }
  stream.synchronize();
  graphs_.emplace(batch, std::move(graph));
}

bool CudaGraphRunner::CanRun(const StepPlan& plan, const std::vector<bool>& all_positions) const {
  const int batch = static_cast<int>(plan.chunks.size());
  if (batch == 0 || BucketFor(batch) < 0) return false;
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    const ScheduledChunk& chunk = plan.chunks[c];
    if (chunk.num_tokens != 1 || !chunk.sample || all_positions[c]) return false;
    if (static_cast<int>(chunk.seq->block_table.size()) > max_blocks_per_seq_) return false;
  }
  return true;
}

StepLogits CudaGraphRunner::Run(const StepPlan& plan) {
  const int batch = static_cast<int>(plan.chunks.size());
  const int bucket = BucketFor(batch);
  const int block_size = cache_.block_size();
  // Host staging in one buffer: ids, positions, slots (int64) then tables and lengths (int32).
  std::vector<int64_t> longs(3 * bucket, 0);
  std::vector<int32_t> ints(static_cast<size_t>(bucket) * (max_blocks_per_seq_ + 1), 0);
  int64_t* ids = longs.data();
  int64_t* positions = ids + bucket;
  int64_t* slots = positions + bucket;
  int32_t* tables = ints.data();
  int32_t* lengths = tables + static_cast<size_t>(bucket) * max_blocks_per_seq_;
  for (int s = 0; s < bucket; ++s) {
    if (s >= batch) {  // padding: attends to one (unused) token, writes nothing
      slots[s] = -1;
      lengths[s] = 1;
      continue;
    }
    const Sequence& seq = *plan.chunks[s].seq;
    const int pos = plan.chunks[s].start;
    ids[s] = seq.tokens[pos];
    positions[s] = pos;
    slots[s] = static_cast<int64_t>(seq.block_table[pos / block_size]) * block_size + pos % block_size;
    std::copy(seq.block_table.begin(), seq.block_table.end(), tables + static_cast<size_t>(s) * max_blocks_per_seq_);
    lengths[s] = pos + 1;
  }
  at::Tensor host_longs = at::from_blob(longs.data(), {3, bucket}, at::kLong);
  input_ids_.narrow(0, 0, bucket).copy_(host_longs[0]);
  positions_.narrow(0, 0, bucket).copy_(host_longs[1]);
  slots_.narrow(0, 0, bucket).copy_(host_longs[2]);
  block_tables_.narrow(0, 0, bucket)
      .copy_(at::from_blob(tables, {bucket, max_blocks_per_seq_}, at::kInt));
  context_lens_.narrow(0, 0, bucket).copy_(at::from_blob(lengths, {bucket}, at::kInt));

  Graph& graph = *graphs_.at(bucket);
  graph.graph.replay();
  StepLogits out;
  out.logits = graph.logits.narrow(0, 0, batch);
  out.hidden = graph.hidden.narrow(0, 0, batch);
  for (int s = 0; s < batch; ++s) {
    out.first_row.push_back(s);
    out.num_rows.push_back(1);
  }
  return out;
}

}  // namespace basalt::engine
