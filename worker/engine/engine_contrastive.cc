// Contrastive search (Su et al. 2022, transformers' semantics) on top of the paged scheduler: each step
// forks the top-k candidates of the main sequence (sharing its blocks copy-on-write), computes them as
// ordinary one-token decodes in the batch, then keeps the candidate that maximizes
// (1 - alpha) * p(candidate) - alpha * max cosine(h(candidate), h(context)).
#include <algorithm>

#include "worker/engine/engine_impl.h"

namespace basalt::engine {

void EngineImpl::SpawnCandidates(RequestState* request, Sequence* main, const at::Tensor& logits_row) {
  ContrastiveState& state = contrastive_[request];
  const GenerationParams& p = request->request.params;
  const int k = std::min<int>(p.sampling.top_k, static_cast<int>(logits_row.size(0)));
  at::Tensor raw = logits_row.unsqueeze(0).to(at::kFloat);
  at::Tensor processed = sampler_->ApplyPenalties(raw, {RowFor(main)});
  auto [probs, ids] = at::softmax(processed, -1).topk(k, -1);
  at::Tensor raw_logprobs = LogSoftmax(raw);
  at::Tensor candidate_logprobs = raw_logprobs.gather(1, ids);
  at::Tensor host = at::cat({ids.to(at::kFloat), probs, candidate_logprobs}, 0).to(at::kCPU);
  state.raw = SampledToken{};
  if (p.top_logprobs > 0) {
    auto [values, top_ids] = raw_logprobs.topk(std::min<int64_t>(p.top_logprobs, raw_logprobs.size(1)), -1);
    at::Tensor v = values.to(at::kCPU), t = top_ids.to(at::kCPU);
    for (int64_t j = 0; j < v.size(1); ++j)
      state.raw.top.emplace_back(static_cast<int32_t>(t[0][j].item<int64_t>()), v[0][j].item<float>());
  }
  state.candidates.clear();
  state.probs.clear();
  state.raw_logprobs.clear();
  state.hidden.assign(k, at::Tensor());
  state.logits.assign(k, at::Tensor());
  for (int i = 0; i < k; ++i) {
    auto candidate = std::make_unique<Sequence>();
    candidate->id = next_sequence_id_++;
    candidate->request = request;
    candidate->candidate_index = main->candidate_index;
    scheduler_->Fork(*main, candidate.get());
    candidate->tokens.push_back(static_cast<int32_t>(host[0][i].item<float>()));
    state.probs.push_back(host[1][i].item<float>());
    state.raw_logprobs.push_back(host[2][i].item<float>());
    state.candidates.push_back(std::move(candidate));
  }
  // The candidates hold references to every block the main sequence had.
  scheduler_->Detach(main);
}

void EngineImpl::DropCandidates(RequestState* request) {
  auto it = contrastive_.find(request);
  if (it == contrastive_.end()) return;
  for (auto& candidate : it->second.candidates) {
    if (!candidate->finished()) scheduler_->Remove(candidate.get());
  }
  contrastive_.erase(it);
}

void EngineImpl::ContrastiveAfterStep(const StepPlan& plan, const StepLogits& logits) {
  std::vector<RequestState*> ready;
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    const ScheduledChunk& chunk = plan.chunks[c];
    RequestState* request = chunk.seq->request;
    if (!IsContrastive(*request) || logits.num_rows[c] == 0) continue;
    ContrastiveState& state = contrastive_[request];
    Sequence* main = request->sequences.front().get();
    if (chunk.seq == main) {
      // Prompt chunks: every position's hidden state joins the context (recomputed chunks replace theirs).
      at::Tensor rows = logits.hidden.narrow(0, logits.first_row[c], logits.num_rows[c]).to(at::kFloat);
      state.context_hidden = state.context_hidden.defined()
                                 ? at::cat({state.context_hidden.narrow(0, 0, chunk.start), rows}, 0)
                                 : rows;
      if (chunk.sample) {
        const int64_t last = logits.first_row[c] + logits.num_rows[c] - 1;
        SpawnCandidates(request, main, logits.logits[last]);
      }
      continue;
    }
    for (size_t i = 0; i < state.candidates.size(); ++i) {
      if (state.candidates[i].get() != chunk.seq || !chunk.sample) continue;
      const int64_t row = logits.first_row[c] + logits.num_rows[c] - 1;
      state.hidden[i] = logits.hidden[row].to(at::kFloat);
      state.logits[i] = logits.logits[row];
    }
    if (std::all_of(state.hidden.begin(), state.hidden.end(), [](const at::Tensor& t) { return t.defined(); }) &&
        std::find(ready.begin(), ready.end(), request) == ready.end()) {
      ready.push_back(request);
    }
  }

  for (RequestState* request : ready) {
    ContrastiveState& state = contrastive_[request];
    const float alpha = request->request.params.sampling.penalty_alpha;
    at::Tensor context = state.context_hidden / state.context_hidden.norm(2, -1, true);
    at::Tensor candidates = at::stack(state.hidden, 0);
    candidates = candidates / candidates.norm(2, -1, true);
    at::Tensor degeneration = at::matmul(candidates, context.transpose(0, 1)).amax(-1);  // [k]
    at::Tensor probs = at::tensor(state.probs, at::kFloat).to(degeneration.device());
    at::Tensor score = (1.0f - alpha) * probs - alpha * degeneration;
    const int64_t best = score.argmax().item<int64_t>();

    Sequence* main = request->sequences.front().get();
    Sequence* chosen = state.candidates[best].get();
    for (size_t i = 0; i < state.candidates.size(); ++i) {
      if (static_cast<int64_t>(i) != best) scheduler_->Remove(state.candidates[i].get());
    }
    scheduler_->TakeOver(chosen, main);  // main now ends with the chosen token, already computed
    state.context_hidden = at::cat({state.context_hidden, state.hidden[best].unsqueeze(0)}, 0);
    at::Tensor next_logits = state.logits[best];
    const float logprob = state.raw_logprobs[best];
    const auto top = state.raw.top;
    state.candidates.clear();
    RecordToken(main, logprob, top);
    if (!main->finished()) SpawnCandidates(request, main, next_logits);
  }
}

}  // namespace basalt::engine
