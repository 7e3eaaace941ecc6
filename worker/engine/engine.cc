#include "worker/engine/engine.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"
#include "worker/engine/cpu_threads.h"
#include "worker/engine/engine_impl.h"
#include "worker/engine/host_allocator.h"
#include "worker/engine/kv_cache_sizing.h"
#include "worker/engine/request_validator.h"
#include "worker/model/torch_status.h"

namespace basalt::engine {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t Nanos(Clock::duration d) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

}  // namespace

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  if (options.async_decode != "auto" && options.async_decode != "on" && options.async_decode != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("async_decode must be auto, on or off, not \"", options.async_decode, "\""));
  }
  if (options.max_num_batched_tokens < 0) {
    return absl::InvalidArgumentError("max_num_batched_tokens must not be negative");
  }
  if (options.max_prefill_tokens_with_decodes < -1) {
    return absl::InvalidArgumentError("max_prefill_tokens_with_decodes must be -1 (the device's default), 0 (no cap) or positive");
  }
  KeepFreedMemoryForReuse();
  ConfigureCpuThreads(options.cpu_threads);
  auto model = LoadModel(options);
  if (!model.ok()) return model.status();
  return model::GuardTorch([&]() -> absl::StatusOr<std::unique_ptr<Engine>> {
    return std::unique_ptr<Engine>(new EngineImpl(options, std::move(*model)));
  });
}

EngineImpl::EngineImpl(const EngineOptions& options, std::unique_ptr<LoadedModel> model)
    : options_(options), model_(std::move(model)) {
  const model::ModelSpec& spec = model_->spec;
  const model::GenerativeModel& m = *model_->model;
  KvCachePlan kv = PlanKvCache(options_, spec, m.dtype(), m.device(), model_->description.max_model_len);
  model_->description.max_model_len = kv.max_model_len;
  cache_ = std::make_unique<model::KvCache>(spec.num_layers, kv.num_blocks, options_.block_size,
                                            spec.attention.num_kv_heads, spec.attention.head_dim, m.dtype(),
                                            m.device());
  SchedulerConfig sched;
  sched.max_num_seqs = options_.max_num_seqs;
  sched.max_num_batched_tokens = options_.max_num_batched_tokens > 0 ? options_.max_num_batched_tokens
                                                                     : (m.device().is_cuda() ? 8192 : 2048);
  sched.max_prefill_tokens_with_decodes = options_.max_prefill_tokens_with_decodes >= 0
                                              ? options_.max_prefill_tokens_with_decodes
                                              : (m.device().is_cuda() ? 0 : 64);
  sched.block_size = options_.block_size;
  sched.num_blocks = kv.num_blocks;
  sched.enable_prefix_caching = options_.enable_prefix_caching;
  scheduler_ = std::make_unique<Scheduler>(sched);
  runner_ = std::make_unique<ModelRunner>(m, *cache_, options_.cuda_graphs, std::min(options_.max_num_seqs, 512),
                                          kv.max_model_len);
  sampler_ = std::make_unique<Sampler>(spec.vocab_size, model_->description.eos_token_ids);
  outputs_ = std::make_unique<OutputProcessor>(*model_->tokenizer, model_->description.eos_token_ids,
                                               model_->description.max_model_len,
                                               /*prompt_is_text_context=*/!model_->description.is_encoder_decoder);
  // The default generator (unseeded requests) starts from a random seed, not torch's fixed default.
  at::Generator default_generator = at::globalContext().defaultGenerator(m.device());
  default_generator.set_current_seed(std::random_device{}());
  spdlog::info("KV cache: {} blocks of {} tokens ({} tokens, {:.1f} MiB); max_model_len {}; step budget {} tokens, "
               "{} prompt tokens while decoding",
               kv.num_blocks, options_.block_size, kv.num_blocks * options_.block_size,
               kv.bytes / 1048576.0, kv.max_model_len, sched.max_num_batched_tokens,
               sched.max_prefill_tokens_with_decodes > 0 ? sched.max_prefill_tokens_with_decodes
                                                         : sched.max_num_batched_tokens);
  if (StepProfile::EnabledByEnvironment()) profile_ = std::make_unique<StepProfile>();
  // The step profile waits for the device after each forward pass: no step could run ahead.
  async_decode_ = !profile_ && (options_.async_decode == "on" || (options_.async_decode == "auto" && m.device().is_cuda()));
  spdlog::info("decode steps: {}", async_decode_ ? "asynchronous (a step launches before the previous one's tokens are read)"
                                                 : "synchronous");
  dispatcher_ = std::make_unique<OutputDispatcher>();
  loop_ = std::thread([this] { Loop(); });
}

EngineImpl::~EngineImpl() { Shutdown(); }

void EngineImpl::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !loop_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (loop_.joinable()) loop_.join();
  dispatcher_.reset();  // delivers the final outputs
}

absl::Status EngineImpl::Submit(GenerationRequest request, std::shared_ptr<OutputObserver> observer) {
  auto limits = ValidateAndResolve(&request, model_->description, *model_->tokenizer);
  if (!limits.ok()) return limits.status();
  if (num_pending_.fetch_add(1) >= options_.max_queued_requests) {
    num_pending_.fetch_sub(1);
    return absl::ResourceExhaustedError(
        absl::StrCat("the worker's queue is full (", options_.max_queued_requests, " requests); retry later"));
  }
  if (request.request_id.empty()) request.request_id = absl::StrCat("anonymous-", next_anonymous_id_.fetch_add(1));
  auto state = std::make_unique<RequestState>();
  state->arrival = Clock::now();
  state->max_tokens = limits->max_tokens;
  state->num_choices = request.params.n;
  state->num_candidates = request.params.best_of;
  state->request = std::move(request);
  state->observer = std::move(observer);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      num_pending_.fetch_sub(1);
      return absl::UnavailableError("the worker is shutting down");
    }
    inbox_.push_back(std::move(state));
  }
  wake_.notify_one();
  return absl::OkStatus();
}

EngineCounters EngineImpl::counters() const {
  return EngineCounters{.steps = num_steps_.load(),
                        .async_steps = num_async_steps_.load(),
                        .discarded_rows = num_discarded_rows_.load(),
                        .preemptions = num_preemptions_.load()};
}

void EngineImpl::Cancel(const std::string& request_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_inbox_.push_back(request_id);
  }
  wake_.notify_one();
}

bool EngineImpl::TakeInbox() {
  std::vector<std::unique_ptr<RequestState>> admitted;
  std::vector<std::string> cancels;
  {
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait(lock, [&] {
      return stopping_ || !inbox_.empty() || !cancel_inbox_.empty() || scheduler_->has_work() || inflight_.has_value();
    });
    if (stopping_) return false;
    admitted.swap(inbox_);
    cancels.swap(cancel_inbox_);
  }
  for (auto& state : admitted) Admit(std::move(state));
  for (const std::string& id : cancels) {
    auto it = requests_.find(id);
    if (it != requests_.end()) Finish(it->second.get(), absl::CancelledError("cancelled by the client"));
  }
  return true;
}

void EngineImpl::Admit(std::unique_ptr<RequestState> state) {
  RequestState* request = state.get();
  const std::string id = request->request.request_id;
  if (requests_.count(id)) {
    num_pending_.fetch_sub(1);
    dispatcher_->Post(request->observer,
                      RequestOutput{.finished = true,
                                    .status = absl::AlreadyExistsError(absl::StrCat("request id ", id, " is in use"))});
    return;
  }
  auto seq = std::make_unique<Sequence>();
  seq->id = next_sequence_id_++;
  seq->request = request;
  // An encoder-decoder request's prompt goes to the encoder; its sequence is the decoder's, which starts
  // from decoder_start_token_id.
  if (model_->description.is_encoder_decoder) {
    seq->tokens = {model_->description.decoder_start_token_id};
  } else {
    seq->tokens = request->request.prompt_ids;
  }
  seq->num_prompt_tokens = static_cast<int>(seq->tokens.size());
  // Prompt logprobs and contrastive search need every prompt position computed, so no cached prefix.
  // Nor do encoder-decoder models: their decoder blocks depend on the request's encoder output too.
  const GenerationParams& p = request->request.params;
  seq->use_prefix_cache = !(p.echo_prompt && p.prompt_logprobs != 0) && !IsContrastive(*request) &&
                          !model_->description.is_encoder_decoder;
  outputs_->Init(seq.get());
  if (request->request.params.sampling.seed) {
    at::Generator gen = at::globalContext().defaultGenerator(model_->model->device()).clone();
    gen.set_current_seed(*request->request.params.sampling.seed);
    generators_.emplace(seq->id, std::move(gen));
  }
  scheduler_->Add(seq.get());
  request->sequences.push_back(std::move(seq));
  requests_.emplace(id, std::move(state));
}

void EngineImpl::Loop() {
  while (true) {
    if (!inflight_) retired_.clear();  // nothing in flight names their sequences
    if (!TakeInbox()) break;
    if (!scheduler_->has_work() && !inflight_) continue;
    absl::Status status = model::GuardTorch([&]() -> absl::Status {
      if (scheduler_->has_work()) {
        Step();
      } else {
        CollectInFlight();  // its sequences were all cancelled
      }
      return absl::OkStatus();
    });
    if (!status.ok()) {
      spdlog::error("engine step failed: {}", status.ToString());
      FailAll(status);
    }
  }
  FailAll(absl::UnavailableError("the worker is shutting down"));
}

void EngineImpl::Step() {
  if (inflight_ && InFlightAllEnding()) CollectInFlight();
  if (profile_) profile_->Start();
  StepPlan plan = scheduler_->Schedule();
  num_preemptions_.store(scheduler_->num_preemptions());
  if (plan.empty() && inflight_) {
    CollectInFlight();  // what it finishes may free the blocks the waiting head needs
    return;
  }
  if (plan.empty()) {
    // Nothing fits although work is waiting: the head request cannot get blocks even alone. Fail it
    // rather than spin.
    for (auto& [id, request] : requests_) {
      Finish(request.get(), absl::ResourceExhaustedError("the request does not fit in the KV cache"));
      break;
    }
    return;
  }
  const auto now = Clock::now();
  std::vector<bool> all_positions(plan.chunks.size(), false);
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    const ScheduledChunk& chunk = plan.chunks[c];
    RequestState* request = chunk.seq->request;
    if (!request->first_scheduled) request->first_scheduled = now;
    const GenerationParams& p = request->request.params;
    const int prompt_len = chunk.seq->num_prompt_tokens;
    const bool is_main = chunk.seq == request->sequences.front().get();
    all_positions[c] = (p.echo_prompt && p.prompt_logprobs != 0 && is_main &&
                        request->prompt_logprobs_done < prompt_len && chunk.start < prompt_len - 1) ||
                       // contrastive search needs the hidden state of every prompt position
                       (IsContrastive(*request) && is_main && chunk.start < prompt_len);
  }
  if (std::vector<SamplingRow> rows; CanRunAsync(plan, all_positions, &rows)) {
    LaunchAsync(plan, all_positions, std::move(rows));
    return;
  }
  if (inflight_) {
    CollectBeforeSyncStep(&plan, &all_positions);
    if (plan.empty()) return;
  }
  cache_->CopyBlocks(plan.block_copies);
  runner_->EncodeNewRequests(plan);
  if (profile_) profile_->Mark(StepProfile::kSchedule);
  StepLogits logits = runner_->Run(plan, all_positions);
  num_steps_.fetch_add(1);
  if (profile_) {
    profile_->Mark(StepProfile::kForward);
    logits.logits.sum().item<float>();  // wait for the device, to time the forward pass alone
    profile_->Mark(StepProfile::kForwardWait);
  }
  // Collected now: contrastive search frees its candidate sequences while it processes the step.
  std::vector<RequestState*> touched;
  for (const ScheduledChunk& chunk : plan.chunks) {
    RequestState* r = chunk.seq->request;
    if (std::find(touched.begin(), touched.end(), r) == touched.end()) touched.push_back(r);
  }
  for (const ScheduledChunk& chunk : plan.chunks) scheduler_->OnChunkComputed(chunk);
  RecordPromptLogprobs(plan, logits, all_positions);
  SampleAndAppend(plan, logits);
  if (profile_) profile_->Mark(StepProfile::kSample);
  if (!contrastive_.empty() || std::any_of(plan.chunks.begin(), plan.chunks.end(), [](const ScheduledChunk& c) {
        return IsContrastive(*c.seq->request);
      })) {
    ContrastiveAfterStep(plan, logits);
  }

  if (profile_) profile_->Mark(StepProfile::kOutput);
  for (RequestState* r : touched) Report(r);
  if (profile_) {
    profile_->Mark(StepProfile::kReport);
    profile_->EndStep(static_cast<int>(plan.chunks.size()), plan.num_tokens);
  }
}

void EngineImpl::RecordPromptLogprobs(const StepPlan& plan, const StepLogits& logits,
                                      const std::vector<bool>& all_positions) {
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    if (!all_positions[c]) continue;
    const ScheduledChunk& chunk = plan.chunks[c];
    RequestState* request = chunk.seq->request;
    const auto& prompt = request->request.prompt_ids;
    const int prompt_len = static_cast<int>(prompt.size());
    // Logits at position q score prompt token q + 1.
    const int first_target = std::max(request->prompt_logprobs_done, chunk.start + 1);
    const int last_target = std::min(prompt_len - 1, chunk.start + chunk.num_tokens);
    if (first_target > last_target) continue;
    const int64_t first_row = logits.first_row[c] + (first_target - 1 - chunk.start);
    const int64_t rows = last_target - first_target + 1;
    at::Tensor lp = LogSoftmax(logits.logits.narrow(0, first_row, rows));
    std::vector<int64_t> targets(prompt.begin() + first_target, prompt.begin() + last_target + 1);
    at::Tensor target_t = at::tensor(targets, at::kLong).to(lp.device()).unsqueeze(1);
    at::Tensor chosen = lp.gather(1, target_t).squeeze(1).to(at::kCPU);
    const int k = std::max(0, request->request.params.prompt_logprobs);
    at::Tensor top_values, top_ids;
    if (k > 0) {
      auto top = lp.topk(std::min<int64_t>(k, lp.size(1)), -1);
      top_values = std::get<0>(top).to(at::kCPU);
      top_ids = std::get<1>(top).to(at::kCPU);
    }
    if (!request->prompt_output) {
      request->prompt_output.emplace();
      for (int32_t id : prompt) request->prompt_output->tokens.push_back(MakeOutputToken(id, 0, {}, false));
    }
    for (int64_t i = 0; i < rows; ++i) {
      std::vector<std::pair<int32_t, float>> alternatives;
      for (int j = 0; k > 0 && j < top_ids.size(1); ++j)
        alternatives.emplace_back(static_cast<int32_t>(top_ids[i][j].item<int64_t>()), top_values[i][j].item<float>());
      request->prompt_output->tokens[first_target + i] =
          MakeOutputToken(prompt[first_target + i], chosen[i].item<float>(), alternatives, true);
    }
    request->prompt_logprobs_done = last_target + 1;
  }
}

void EngineImpl::Fork(RequestState* request) {
  Sequence& parent = *request->sequences.front();
  for (int i = 1; i < request->num_candidates; ++i) {
    auto child = std::make_unique<Sequence>();
    child->id = next_sequence_id_++;
    child->request = request;
    child->candidate_index = i;
    scheduler_->Fork(parent, child.get());
    outputs_->Init(child.get());
    if (const auto& seed = request->request.params.sampling.seed) {
      at::Generator gen = at::globalContext().defaultGenerator(model_->model->device()).clone();
      gen.set_current_seed(*seed + static_cast<uint64_t>(i));
      generators_.emplace(child->id, std::move(gen));
    }
    request->sequences.push_back(std::move(child));
  }
  request->forked = true;
}

OutputToken EngineImpl::MakeOutputToken(int32_t id, float logprob, const std::vector<std::pair<int32_t, float>>& top,
                                        bool with_logprobs) const {
  OutputToken token;
  token.id = id;
  token.text = outputs_->TokenText(id);
  if (with_logprobs) {
    token.logprob = logprob;
    for (auto [alt, lp] : top) token.top_logprobs.push_back({alt, outputs_->TokenText(alt), lp});
  }
  return token;
}

SamplingRow EngineImpl::RowFor(Sequence* seq) {
  const GenerationParams& p = seq->request->request.params;
  SamplingRow row;
  row.options = &p.sampling;
  row.tokens = &seq->tokens;
  row.num_prompt_tokens = seq->num_prompt_tokens;
  // Tokens still in flight (asynchronous decoding) precede the one this row chooses.
  const int num_output = seq->num_output_tokens() + seq->num_inflight_tokens;
  row.suppress_stop_tokens = num_output < p.stopping.min_tokens;
  row.stop_token_ids = &p.stopping.stop_token_ids;
  auto gen = generators_.find(seq->id);
  row.generator = gen == generators_.end() ? nullptr : &gen->second;
  row.top_logprobs = p.top_logprobs;
  // transformers' ForcedBOS/ForcedEOS processors: BOS as the first token after a one-token start (the
  // decoder's start token), EOS as the last token the length limit allows.
  const model::GenerationDefaults& g = model_->config->generation();
  if (g.forced_bos_token_id && seq->num_tokens() == 1) row.forced_token = *g.forced_bos_token_id;
  const bool last = num_output + 1 >= seq->request->max_tokens ||
                    seq->num_tokens() + 1 >= model_->description.max_model_len;
  if (g.forced_eos_token_id && last) row.forced_token = *g.forced_eos_token_id;
  return row;
}

void EngineImpl::RecordToken(Sequence* seq, float logprob, const std::vector<std::pair<int32_t, float>>& top) {
  RequestState* request = seq->request;
  if (!request->first_token) request->first_token = Clock::now();
  seq->cumulative_logprob += logprob;
  OutputToken token = MakeOutputToken(seq->tokens.back(), logprob, top, request->request.params.logprobs);
  FinishReason finish = outputs_->OnToken(seq, std::move(token));
  if (finish != FinishReason::kNone) {
    seq->finish_reason = finish;
    scheduler_->Remove(seq);
    generators_.erase(seq->id);
  }
}

void EngineImpl::SampleAndAppend(const StepPlan& plan, const StepLogits& logits) {
  std::vector<Sequence*> seqs;
  std::vector<int64_t> rows;
  for (size_t c = 0; c < plan.chunks.size(); ++c) {
    const ScheduledChunk& chunk = plan.chunks[c];
    RequestState* request = chunk.seq->request;
    if (!chunk.sample || IsContrastive(*request)) continue;
    const int64_t row = logits.first_row[c] + logits.num_rows[c] - 1;
    if (!request->forked && request->num_candidates > 1) {
      Fork(request);
      for (auto& s : request->sequences) seqs.push_back(s.get()), rows.push_back(row);
    } else {
      seqs.push_back(chunk.seq);
      rows.push_back(row);
    }
  }
  // Prompt-only requests end here, with nothing sampled.
  for (size_t i = 0; i < seqs.size();) {
    if (!seqs[i]->request->request.params.stopping.prompt_only) {
      ++i;
      continue;
    }
    seqs[i]->finish_reason = FinishReason::kLength;
    scheduler_->Remove(seqs[i]);
    generators_.erase(seqs[i]->id);
    seqs.erase(seqs.begin() + static_cast<int64_t>(i));
    rows.erase(rows.begin() + static_cast<int64_t>(i));
  }
  if (seqs.empty()) return;
  std::vector<SamplingRow> sampling_rows;
  for (Sequence* seq : seqs) sampling_rows.push_back(RowFor(seq));
  bool identity = static_cast<int64_t>(rows.size()) == logits.logits.size(0);
  for (size_t i = 0; identity && i < rows.size(); ++i) identity = rows[i] == static_cast<int64_t>(i);
  at::Tensor selected = identity ? logits.logits
                                 : logits.logits.index_select(0, at::tensor(rows, at::kLong).to(logits.logits.device()));
  std::vector<SampledToken> sampled = sampler_->Sample(selected, sampling_rows, identity ? logits.greedy : at::Tensor());
  for (size_t i = 0; i < seqs.size(); ++i) {
    seqs[i]->tokens.push_back(sampled[i].id);
    RecordToken(seqs[i], sampled[i].logprob, sampled[i].top);
  }
}

void EngineImpl::Report(RequestState* request) {
  if (request->done) return;
  RequestOutput out;
  out.prompt_tokens = static_cast<int>(request->request.prompt_ids.size());
  const GenerationParams& p = request->request.params;
  // Encoder prompts have no logprobs (the decoder does not predict them): echoed without.
  const bool prompt_ready = !p.echo_prompt || p.prompt_logprobs == 0 || model_->description.is_encoder_decoder ||
                            request->prompt_logprobs_done >= out.prompt_tokens;
  if (p.echo_prompt && !request->prompt_reported && prompt_ready) {
    if (!request->prompt_output) {
      request->prompt_output.emplace();
      for (int32_t id : request->request.prompt_ids)
        request->prompt_output->tokens.push_back(MakeOutputToken(id, 0, {}, false));
    }
    request->prompt_output->text = model_->tokenizer->Decode(request->request.prompt_ids, p.skip_special_tokens);
    out.prompt = std::move(*request->prompt_output);
    request->prompt_output.reset();
    request->prompt_reported = true;
  }
  const bool finished = request->all_finished();
  if (request->streams_incrementally()) {
    for (auto& seq : request->sequences) {
      if (auto delta = outputs_->TakeDelta(seq.get(), seq->candidate_index)) out.choices.push_back(std::move(*delta));
    }
  } else if (finished) {
    // best_of: the n candidates with the highest cumulative logprob, re-indexed by rank.
    std::vector<Sequence*> ranked;
    for (auto& seq : request->sequences) ranked.push_back(seq.get());
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const Sequence* a, const Sequence* b) { return a->cumulative_logprob > b->cumulative_logprob; });
    for (int i = 0; i < request->num_choices; ++i) {
      if (auto delta = outputs_->TakeDelta(ranked[i], i)) out.choices.push_back(std::move(*delta));
    }
  }
  if (finished) {
    out.finished = true;
    out.usage.prompt_tokens = out.prompt_tokens;
    // Every candidate counts (best_of generates them all), as OpenAI bills them.
    for (auto& seq : request->sequences) out.usage.completion_tokens += seq->num_output_tokens();
    out.usage.cached_prompt_tokens = request->sequences.front()->num_cached_tokens;
    const auto now = Clock::now();
    out.timings.total_ns = Nanos(now - request->arrival);
    if (request->first_token) out.timings.time_to_first_token_ns = Nanos(*request->first_token - request->arrival);
    if (request->first_scheduled) out.timings.queue_ns = Nanos(*request->first_scheduled - request->arrival);
  }
  if (out.choices.empty() && !out.prompt && !out.finished) return;
  // The queue slot is released before the final output goes out: a caller that submits again as soon
  // as it sees its request end must find the slot free.
  if (finished) num_pending_.fetch_sub(1);
  dispatcher_->Post(request->observer, std::move(out));
  if (finished) {
    request->done = true;
    DropCandidates(request);
    Retire(request);
  }
}

void EngineImpl::Retire(RequestState* request) {
  auto it = requests_.find(request->request.request_id);
  if (it == requests_.end()) return;
  retired_.push_back(std::move(it->second));
  requests_.erase(it);
}

void EngineImpl::Finish(RequestState* request, absl::Status status) {
  DropCandidates(request);
  for (auto& seq : request->sequences) {
    if (!seq->finished()) scheduler_->Remove(seq.get());
    generators_.erase(seq->id);
  }
  RequestOutput out;
  out.finished = true;
  out.status = std::move(status);
  out.prompt_tokens = static_cast<int>(request->request.prompt_ids.size());
  out.usage.prompt_tokens = out.prompt_tokens;
  for (auto& seq : request->sequences) out.usage.completion_tokens += seq->num_output_tokens();
  request->done = true;
  num_pending_.fetch_sub(1);  // before the output: see Report
  dispatcher_->Post(request->observer, std::move(out));
  Retire(request);
}

void EngineImpl::FailAll(const absl::Status& status) {
  inflight_.reset();  // its requests fail below
  while (!requests_.empty()) Finish(requests_.begin()->second.get(), status);
  std::vector<std::unique_ptr<RequestState>> queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued.swap(inbox_);
  }
  for (auto& state : queued) {
    num_pending_.fetch_sub(1);
    dispatcher_->Post(state->observer, RequestOutput{.finished = true, .status = status});
  }
}

}  // namespace basalt::engine
