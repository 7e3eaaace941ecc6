// Asynchronous decoding (vLLM's async scheduling, for decode steps). A synchronous step leaves
// the device idle while the host copies the choices back, records them, reports outputs and stages the
// next step's inputs: ~50 µs per step at batch 1, ~0.5 ms at ~100 sequences. Here step N+1 is scheduled
// and launched, and its tokens sampled on the device (greedy inside the CUDA graph, or the sampler's
// device operations), while step N still runs: its sequences' last tokens are N's choices, which the
// device feeds into N+1's inputs itself (PendingTokens); then the host waits for N's choices and records
// them while N+1 runs. Stops are therefore seen one step late: a sequence that stopped at N has a row in
// N+1, which is discarded (its KV write lands in blocks freed after N+1 was queued; the stream orders
// any later use of them after it). Penalties count a sequence's in-flight token from N's device ids too
// (SamplingRow::pending_row), so penalized rows run ahead as well.
#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>
#include <thread>
#include <unordered_map>

#include "worker/engine/engine_impl.h"
#include "worker/model/layer_ops.h"

namespace basalt::engine {

bool EngineImpl::CanRunAsync(const StepPlan& plan, const std::vector<bool>& all_positions,
                             std::vector<SamplingRow>* sampling_rows) {
  sampling_rows->clear();
  if (!async_decode_ || !contrastive_.empty() || plan.empty()) return false;
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    const ScheduledChunk& chunk = plan.chunks[c];
    Sequence* seq = chunk.seq;
    const RequestState& request = *seq->request;
    if (chunk.num_tokens != 1 || !chunk.sample || all_positions[c] || seq->num_inflight_tokens > 1) return false;
    // A request of several candidates (n, best_of) forks on the host when its prompt is sampled: that
    // step, contrastive search and prompt-only requests take the synchronous path; forked candidates are
    // sequences like any other.
    if ((request.num_candidates != 1 && !request.forked) || IsContrastive(request) ||
        request.request.params.stopping.prompt_only) {
      return false;
    }
    // Counting the tokens still in flight before this step's.
    sampling_rows->push_back(RowFor(seq));
  }
  return true;
}

bool EngineImpl::InFlightAllEnding() const {
  for (const Sequence* seq : inflight_->seqs) {
    if (seq->finished()) continue;
    const int num_output = seq->num_output_tokens() + seq->num_inflight_tokens;
    if (num_output < seq->request->max_tokens && seq->num_tokens() < model_->description.max_model_len) return false;
  }
  return true;
}

void EngineImpl::LaunchAsync(const StepPlan& plan, const std::vector<bool>& all_positions,
                             std::vector<SamplingRow> sampling_rows) {
  PendingTokens pending;
  if (inflight_) {
    std::unordered_map<const Sequence*, int64_t> row_of;
    for (size_t r = 0; r < inflight_->seqs.size(); ++r) row_of.emplace(inflight_->seqs[r], static_cast<int64_t>(r));
    pending.ids = inflight_->ids;
    for (const ScheduledChunk& chunk : plan.chunks) {
      int64_t row = -1;
      if (chunk.start >= static_cast<int>(chunk.seq->tokens.size())) {
        auto it = row_of.find(chunk.seq);
        TORCH_CHECK(it != row_of.end(), "a sequence's token is in flight in no launched step");
        row = it->second;
      }
      pending.rows.push_back(row);
    }
  }
  cache_->CopyBlocks(plan.block_copies);
  runner_->EncodeNewRequests(plan);
  StepLogits logits = runner_->Run(plan, all_positions, inflight_ ? &pending : nullptr);
  num_steps_.fetch_add(1);
  num_async_steps_.fetch_add(1);
  const int64_t rows = static_cast<int64_t>(plan.chunks.size());
  TORCH_CHECK(logits.logits.size(0) == rows, "a decode step returned ", logits.logits.size(0), " rows for ", rows,
              " sequences");

  InFlightStep step;
  for (const SamplingRow& row : sampling_rows) step.top_logprobs.push_back(row.top_logprobs);
  // A row's latest token may still be on the device: the penalties take it from there.
  for (size_t r = 0; r < pending.rows.size(); ++r) sampling_rows[r].pending_row = pending.rows[r];
  at::Tensor sampled;
  if (std::all_of(sampling_rows.begin(), sampling_rows.end(), Sampler::IsPlainGreedy)) {
    step.ids = logits.greedy_ids;
    sampled = logits.greedy;
    if (!sampled.defined() || !step.ids.defined()) {
      step.ids = at::empty({rows}, at::TensorOptions().dtype(at::kLong).device(logits.logits.device()));
      sampled = model::GreedyChoice(logits.logits.to(at::kFloat).contiguous(), step.ids);
    }
  } else {
    sampled = sampler_->SampleOnDevice(logits.logits, sampling_rows, pending.ids);
    step.ids = sampled.select(1, 0).to(at::kLong).contiguous();
  }
  const at::Device device = sampled.device();
  if (device.is_cuda()) {
    step.host = at::empty(sampled.sizes(), at::TensorOptions().dtype(at::kFloat).pinned_memory(true));
    step.host.copy_(sampled, /*non_blocking=*/true);
    c10::impl::VirtualGuardImpl guard(device.type());
    step.copied.emplace(device.type());
    step.copied->record(guard.getStream(device));
  } else {
    step.host = sampled.to(at::kCPU).contiguous();
  }
  for (const ScheduledChunk& chunk : plan.chunks) {
    scheduler_->OnChunkComputed(chunk);
    ++chunk.seq->num_inflight_tokens;
    step.seqs.push_back(chunk.seq);
  }
  if (inflight_) {
    // Requests retired while the previous step was collected may have rows in the step collected now;
    // none in the one just launched (they had left the scheduler).
    std::vector<std::unique_ptr<RequestState>> collectable = std::move(retired_);
    retired_.clear();
    CollectInFlight();
  }
  inflight_ = std::move(step);
}

void EngineImpl::CollectInFlight() {
  InFlightStep step = std::move(*inflight_);
  inflight_.reset();
  // c10::Event has no blocking wait before torch 2: poll it (cudaEventSynchronize spins the same way).
  while (step.copied && !step.copied->query()) std::this_thread::yield();
  const std::vector<SampledToken> tokens = Sampler::ReadSampled(step.host, step.top_logprobs);
  std::vector<RequestState*> touched;
  for (size_t r = 0; r < step.seqs.size(); ++r) {
    Sequence* seq = step.seqs[r];
    --seq->num_inflight_tokens;
    if (seq->finished()) {  // stopped a step earlier, or cancelled: the row is discarded
      num_discarded_rows_.fetch_add(1);
      continue;
    }
    seq->tokens.push_back(tokens[r].id);
    scheduler_->OnTokenKnown(seq);
    RecordToken(seq, tokens[r].logprob, tokens[r].top);
    if (std::find(touched.begin(), touched.end(), seq->request) == touched.end()) touched.push_back(seq->request);
  }
  for (RequestState* request : touched) Report(request);
}

void EngineImpl::CollectBeforeSyncStep(StepPlan* plan, std::vector<bool>* all_positions) {
  CollectInFlight();
  // The finished sequences' blocks are free already; copies into them (plan->block_copies) are harmless.
  std::vector<ScheduledChunk> kept;
  std::vector<bool> kept_all_positions;
  plan->num_tokens = 0;
  for (size_t c = 0; c < plan->chunks.size(); ++c) {
    if (plan->chunks[c].seq->finished()) continue;
    kept.push_back(plan->chunks[c]);
    kept_all_positions.push_back((*all_positions)[c]);
    plan->num_tokens += plan->chunks[c].num_tokens;
  }
  plan->chunks = std::move(kept);
  *all_positions = std::move(kept_all_positions);
}

}  // namespace basalt::engine
