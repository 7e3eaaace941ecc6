#include "worker/engine/model_runner.h"

#include <algorithm>

#include "worker/model/decoder_model.h"
#include "worker/model/layer_ops.h"

#if defined(BASALT_WITH_CUDA)
#include "worker/engine/cuda_graph_runner.h"
#endif

namespace basalt::engine {

#if !defined(BASALT_WITH_CUDA)
class CudaGraphRunner {};
#endif

ModelRunner::ModelRunner(const model::GenerativeModel& model, model::KvCache& cache, bool cuda_graphs, int max_batch,
                         int max_model_len)
    : model_(model), cache_(cache) {
#if defined(BASALT_WITH_CUDA)
  // Graphs capture decoder-only steps whose attention runs on device tensors alone (an encoder-decoder
  // step also reads per-request encoder states; ALiBi and relative biases take the host-looped path).
  const auto* decoder = dynamic_cast<const model::DecoderModel*>(&model);
  if (cuda_graphs && decoder != nullptr && decoder->SupportsCudaGraphs() && max_batch > 0) {
    const int max_blocks = (max_model_len + cache.block_size() - 1) / cache.block_size();
    graphs_ = std::make_unique<CudaGraphRunner>(*decoder, cache, max_batch, max_blocks);
  }
#else
  (void)cuda_graphs;
  (void)max_batch;
  (void)max_model_len;
#endif
}

ModelRunner::~ModelRunner() = default;

void ModelRunner::EncodeNewRequests(const StepPlan& plan) {
  if (!model_.is_encoder_decoder()) return;
  for (const ScheduledChunk& chunk : plan.chunks) {
    RequestState* request = chunk.seq->request;
    if (!request->encoder_state) request->encoder_state = model_.Encode(request->request.prompt_ids);
  }
}

StepLogits ModelRunner::Run(const StepPlan& plan, const std::vector<bool>& all_positions,
                            const PendingTokens* pending) {
#if defined(BASALT_WITH_CUDA)
  if (graphs_ && graphs_->CanRun(plan, all_positions)) return graphs_->Run(plan, pending);
#endif
  const int block_size = cache_.block_size();
  const int64_t total = plan.num_tokens;
  const int64_t num_seqs = static_cast<int64_t>(plan.chunks.size());
  model::AttentionBatch batch;
  batch.query_start.reserve(num_seqs + 1);
  batch.query_start.push_back(0);

  // Host buffer for the int64 inputs: ids, positions, slots, logits indices.
  std::vector<int64_t> ids, positions, slots, logits_indices, pending_rows;
  bool any_pending = false;
  ids.reserve(total);
  positions.reserve(total);
  slots.reserve(total);
  StepLogits out;
  out.first_row.assign(plan.chunks.size(), 0);
  out.num_rows.assign(plan.chunks.size(), 0);
  // Decode chunks (one token) first, so that the GPU runs them all through the decode kernel and the
  // prompt chunks after them through one prefill launch; the logits rows say which chunk is which.
  std::vector<size_t> order;
  order.reserve(plan.chunks.size());
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    if (plan.chunks[c].num_tokens == 1) order.push_back(c);
  }
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    if (plan.chunks[c].num_tokens != 1) order.push_back(c);
  }
  size_t max_blocks = 1;
  bool decode_only = true;
  for (size_t c : order) {
    const ScheduledChunk& chunk = plan.chunks[c];
    const Sequence& seq = *chunk.seq;
    const int64_t flat_start = static_cast<int64_t>(ids.size());
    for (int i = 0; i < chunk.num_tokens; ++i) {
      const int pos = chunk.start + i;
      const bool in_flight = pos >= static_cast<int>(seq.tokens.size());
      ids.push_back(in_flight ? 0 : seq.tokens[pos]);
      TORCH_CHECK(!in_flight || pending != nullptr, "a chunk's token is in flight but no pending tokens were given");
      pending_rows.push_back(in_flight ? pending->rows.at(c) : -1);
      any_pending |= in_flight;
      positions.push_back(pos);
      slots.push_back(static_cast<int64_t>(seq.block_table[pos / block_size]) * block_size + pos % block_size);
    }
    decode_only &= chunk.num_tokens == 1;
    batch.query_start.push_back(static_cast<int64_t>(ids.size()));
    batch.context_lens.push_back(chunk.start + chunk.num_tokens);
    batch.block_tables.push_back(seq.block_table);
    if (seq.request->encoder_state) batch.encoder_states.push_back(seq.request->encoder_state.get());
    max_blocks = std::max(max_blocks, seq.block_table.size());
    batch.max_context_len = std::max<int64_t>(batch.max_context_len, chunk.start + chunk.num_tokens);

    out.first_row[c] = static_cast<int64_t>(logits_indices.size());
    if (all_positions[c]) {
      for (int i = 0; i < chunk.num_tokens; ++i) logits_indices.push_back(flat_start + i);
      out.num_rows[c] = chunk.num_tokens;
    } else if (chunk.sample) {
      logits_indices.push_back(flat_start + chunk.num_tokens - 1);
      out.num_rows[c] = 1;
    }
  }
  batch.decode_only = decode_only;

  std::vector<int32_t> tables(num_seqs * max_blocks, 0);
  std::vector<int32_t> context_lens;
  for (int64_t s = 0; s < num_seqs; ++s) {
    std::copy(batch.block_tables[s].begin(), batch.block_tables[s].end(), tables.begin() + s * max_blocks);
    context_lens.push_back(static_cast<int32_t>(batch.context_lens[s]));
  }

  const at::Device device = model_.device();
  // One packed host tensor, one copy to the device.
  std::vector<int64_t> packed;
  packed.reserve(ids.size() * 3 + logits_indices.size());
  packed.insert(packed.end(), ids.begin(), ids.end());
  packed.insert(packed.end(), positions.begin(), positions.end());
  packed.insert(packed.end(), slots.begin(), slots.end());
  packed.insert(packed.end(), logits_indices.begin(), logits_indices.end());
  if (any_pending) packed.insert(packed.end(), pending_rows.begin(), pending_rows.end());
  at::Tensor packed_t = at::from_blob(packed.data(), {static_cast<int64_t>(packed.size())}, at::kLong).to(device);
  at::Tensor input_ids = packed_t.narrow(0, 0, total);
  batch.positions = packed_t.narrow(0, total, total);
  batch.slot_mapping = packed_t.narrow(0, 2 * total, total);
  at::Tensor logits_index_t = packed_t.narrow(0, 3 * total, static_cast<int64_t>(logits_indices.size()));
  if (any_pending) {
    at::Tensor rows = packed_t.narrow(0, 3 * total + static_cast<int64_t>(logits_indices.size()), total);
    batch.pending_source_rows = rows;  // filled in by the model as it embeds them
    batch.pending_previous = pending->ids;
  }
  batch.block_table_tensor =
      at::from_blob(tables.data(), {num_seqs, static_cast<int64_t>(max_blocks)}, at::kInt).to(device);
  batch.context_lens_tensor = at::from_blob(context_lens.data(), {num_seqs}, at::kInt).to(device);

  if (!decode_only && model_.uses_cuda_kernels()) AddPrefillLayout(batch, block_size, device);
  if (decode_only && !model_.uses_cuda_kernels()) {
    // The portable attention path runs decode steps as one batched product over these slots.
    std::vector<int64_t> context_slots(num_seqs * batch.max_context_len, 0);
    for (int64_t s = 0; s < num_seqs; ++s) {
      const auto& table = batch.block_tables[s];
      for (int64_t p = 0; p < batch.context_lens[s]; ++p)
        context_slots[s * batch.max_context_len + p] = static_cast<int64_t>(table[p / block_size]) * block_size + p % block_size;
    }
    batch.context_slots =
        at::from_blob(context_slots.data(), {num_seqs, batch.max_context_len}, at::kLong).to(device, /*non_blocking=*/false, /*copy=*/true);
  }
  auto result = model_.Forward(input_ids, batch, cache_, logits_index_t);
  out.logits = result.logits;
  out.hidden = result.hidden;
  return out;
}

}  // namespace basalt::engine
