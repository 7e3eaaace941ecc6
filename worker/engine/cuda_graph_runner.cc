#include "worker/engine/cuda_graph_runner.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>

#include "spdlog/spdlog.h"
#include "worker/model/layer_ops.h"

namespace basalt::engine {
namespace {

constexpr int kLongRows = 4;  // ids, positions, slots, pending source rows

}  // namespace

struct CudaGraphRunner::Graph {
  at::cuda::CUDAGraph graph;
  model::AttentionBatch batch;  // views of the static buffers
  at::Tensor logits, hidden;    // outputs, at fixed addresses
  at::Tensor greedy;            // [B, 2] float32: argmax id, its raw logprob
};

int64_t CudaGraphRunner::InputBytes(int bucket, int max_blocks_per_seq) {
  return static_cast<int64_t>(bucket) * (kLongRows * sizeof(int64_t) + (max_blocks_per_seq + 1) * sizeof(int32_t));
}

CudaGraphRunner::CudaGraphRunner(const model::DecoderModel& model, model::KvCache& cache, int max_batch,
                                 int max_blocks_per_seq)
    : model_(model), cache_(cache), max_blocks_per_seq_(max_blocks_per_seq) {
  for (int b : {1, 2, 4, 8, 16, 24, 32, 48, 64, 96, 128, 160, 192, 224, 256, 320, 384, 448, 512}) {
    if (b <= max_batch) buckets_.push_back(b);
  }
  if (buckets_.empty() || buckets_.back() < max_batch) buckets_.push_back(max_batch);
  const int64_t n = buckets_.back();
  const int64_t bytes = InputBytes(static_cast<int>(n), max_blocks_per_seq);
  inputs_device_ = at::zeros({bytes}, at::TensorOptions().dtype(at::kByte).device(model.device()));
  for (at::Tensor& host : inputs_host_) host = at::zeros({bytes}, at::TensorOptions().dtype(at::kByte).pinned_memory(true));
  greedy_ids_ = at::zeros({n}, at::TensorOptions().dtype(at::kLong).device(model.device()));
  logits_indices_ = at::arange(n, at::TensorOptions().dtype(at::kLong).device(model.device()));
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
  // Views of the input buffer in this bucket's layout (InputBytes). The warm-up and capture step: every
  // row attends to one token of block 0 and writes no cache slot.
  const int64_t long_bytes = kLongRows * sizeof(int64_t) * static_cast<int64_t>(batch);
  at::Tensor longs = inputs_device_.narrow(0, 0, long_bytes).view(at::kLong).view({kLongRows, batch});
  at::Tensor ints = inputs_device_.narrow(0, long_bytes, InputBytes(batch, max_blocks_per_seq_) - long_bytes).view(at::kInt);
  at::Tensor ids = longs[0];
  b.positions = longs[1];
  b.slot_mapping = longs[2];
  at::Tensor source_rows = longs[3];
  at::Tensor greedy_ids = greedy_ids_.narrow(0, 0, batch);
  b.block_table_tensor = ints.narrow(0, 0, static_cast<int64_t>(batch) * max_blocks_per_seq_).view({batch, max_blocks_per_seq_});
  b.context_lens_tensor = ints.narrow(0, static_cast<int64_t>(batch) * max_blocks_per_seq_, batch);
  b.max_context_len = static_cast<int64_t>(max_blocks_per_seq_) * cache_.block_size();
  b.decode_only = true;
  at::Tensor indices = logits_indices_.narrow(0, 0, batch);

  at::cuda::CUDAStream stream = at::cuda::getStreamFromPool();
  {
    at::cuda::CUDAStreamGuard guard(stream);
    ids.zero_();  // the buffer holds the previous (larger) bucket's layout
    b.positions.zero_();
    b.slot_mapping.fill_(-1);
    source_rows.fill_(-1);
    b.block_table_tensor.zero_();
    b.context_lens_tensor.fill_(1);
    b.pending_source_rows = source_rows;  // the graph's first kernel takes the previous graph's choices
    b.pending_previous = greedy_ids_;
    model_.Forward(ids, b, cache_, indices);  // warm-up: lazy initialization stays out of the graph
    stream.synchronize();
    const at::cuda::MempoolId_t pool = graphs_.empty() ? at::cuda::MempoolId_t{0, 0} : graphs_.begin()->second->graph.pool();
    graph->graph.capture_begin(pool);
    auto out = model_.Forward(ids, b, cache_, indices);
    // The sampler's greedy choice and the logprob it reports: argmax and log_softmax at it.
    graph->greedy = model::GreedyChoice(out.logits, greedy_ids);
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

StepLogits CudaGraphRunner::Run(const StepPlan& plan, const PendingTokens* pending) {
  const int batch = static_cast<int>(plan.chunks.size());
  const int bucket = BucketFor(batch);
  const int block_size = cache_.block_size();
  // Host staging in the bucket's layout (InputBytes): ids, positions, slots, source rows, then tables and
  // lengths. This buffer's previous copy is done: the step before the previous one was collected.
  const int64_t bytes = InputBytes(bucket, max_blocks_per_seq_);
  at::Tensor& host_buffer = inputs_host_[next_host_buffer_];
  next_host_buffer_ ^= 1;
  uint8_t* host = host_buffer.data_ptr<uint8_t>();
  int64_t* ids = reinterpret_cast<int64_t*>(host);
  int64_t* positions = ids + bucket;
  int64_t* slots = positions + bucket;
  int64_t* source_rows = slots + bucket;
  int32_t* tables = reinterpret_cast<int32_t*>(source_rows + bucket);
  int32_t* lengths = tables + static_cast<size_t>(bucket) * max_blocks_per_seq_;
  for (int s = 0; s < bucket; ++s) {
    if (s >= batch) {  // padding: attends to one token of block 0, writes nothing
      ids[s] = positions[s] = 0;
      slots[s] = source_rows[s] = -1;
      tables[static_cast<size_t>(s) * max_blocks_per_seq_] = 0;
      lengths[s] = 1;
      continue;
    }
    const Sequence& seq = *plan.chunks[s].seq;
    const int pos = plan.chunks[s].start;
    const bool in_flight = pos >= static_cast<int>(seq.tokens.size());
    TORCH_CHECK(!in_flight || pending != nullptr, "a chunk's token is in flight but no pending tokens were given");
    ids[s] = in_flight ? 0 : seq.tokens[pos];
    source_rows[s] = in_flight ? pending->rows.at(s) : -1;
    positions[s] = pos;
    slots[s] = static_cast<int64_t>(seq.block_table[pos / block_size]) * block_size + pos % block_size;
    std::copy(seq.block_table.begin(), seq.block_table.end(), tables + static_cast<size_t>(s) * max_blocks_per_seq_);
    lengths[s] = pos + 1;
  }
  // Pending ids of an eager step (the graphs' own are in greedy_ids_ already).
  if (pending != nullptr && pending->ids.defined() && pending->ids.data_ptr() != greedy_ids_.data_ptr()) {
    greedy_ids_.narrow(0, 0, pending->ids.size(0)).copy_(pending->ids, /*non_blocking=*/true);
  }
  inputs_device_.narrow(0, 0, bytes).copy_(host_buffer.narrow(0, 0, bytes), /*non_blocking=*/true);

  Graph& graph = *graphs_.at(bucket);
  graph.graph.replay();
  StepLogits out;
  out.logits = graph.logits.narrow(0, 0, batch);
  out.hidden = graph.hidden.narrow(0, 0, batch);
  out.greedy = graph.greedy.narrow(0, 0, batch);
  out.greedy_ids = greedy_ids_.narrow(0, 0, batch);
  for (int s = 0; s < batch; ++s) {
    out.first_row.push_back(s);
    out.num_rows.push_back(1);
  }
  return out;
}

}  // namespace basalt::engine
