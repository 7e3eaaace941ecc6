#pragma once
// The engine's loop: admits requests, plans a step, runs it, samples, turns tokens into outputs and
// reports them. Everything below runs on the loop thread except Submit/Cancel, which only queue.
#include <ATen/ATen.h>
#include <c10/core/Event.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "worker/engine/engine.h"
#include "worker/engine/model_loader.h"
#include "worker/engine/model_runner.h"
#include "worker/engine/output_dispatcher.h"
#include "worker/engine/output_processor.h"
#include "worker/engine/sampler.h"
#include "worker/engine/scheduler.h"
#include "worker/engine/step_profile.h"
#include "worker/engine/sequence.h"
#include "worker/model/kv_cache.h"

namespace basalt::engine {

class EngineImpl final : public Engine {
 public:
  EngineImpl(const EngineOptions& options, std::unique_ptr<LoadedModel> model);
  ~EngineImpl() override;

  absl::Status Submit(GenerationRequest request, std::shared_ptr<OutputObserver> observer) override;
  void Cancel(const std::string& request_id) override;
  const ModelDescription& description() const override { return model_->description; }
  const tokenizer::Tokenizer& tokenizer() const override { return *model_->tokenizer; }
  EngineCounters counters() const override;
  void Shutdown() override;

 private:
  void Loop();
  // Takes queued submissions and cancellations; waits while there is nothing to do. False to stop.
  bool TakeInbox();
  void Admit(std::unique_ptr<RequestState> state);
  void Step();
  void RecordPromptLogprobs(const StepPlan& plan, const StepLogits& logits, const std::vector<bool>& all_positions);
  void SampleAndAppend(const StepPlan& plan, const StepLogits& logits);
  void Fork(RequestState* request);
  void Report(RequestState* request);
  void Finish(RequestState* request, absl::Status status);
  void FailAll(const absl::Status& status);
  // Takes a finished request out of requests_ into retired_ (see there).
  void Retire(RequestState* request);
  OutputToken MakeOutputToken(int32_t id, float logprob, const std::vector<std::pair<int32_t, float>>& top,
                              bool with_logprobs) const;
  SamplingRow RowFor(Sequence* seq);
  // Records the sequence's newest token (already appended to its tokens): logprob bookkeeping, the
  // output token, stop checks; removes the sequence when it is done.
  void RecordToken(Sequence* seq, float logprob, const std::vector<std::pair<int32_t, float>>& top);

  // Contrastive search (engine_contrastive.cc). The main sequence is parked while its top-k candidates,
  // forked from it, each compute one token; the best candidate by (1 - alpha) p - alpha max cos(h, context)
  // is taken over by the main sequence.
  struct ContrastiveState {
    at::Tensor context_hidden;  // [tokens so far, hidden] last-layer states (after the final norm)
    std::vector<std::unique_ptr<Sequence>> candidates;
    std::vector<float> probs;        // processed probabilities of the candidates
    SampledToken raw;                // raw logprobs (and top alternatives) at this position
    std::vector<float> raw_logprobs; // raw logprob of each candidate
    std::vector<at::Tensor> hidden;  // per candidate, once computed
    std::vector<at::Tensor> logits;
  };
  static bool IsContrastive(const RequestState& request) {
    return request.request.params.sampling.penalty_alpha > 0.0f;
  }
  void ContrastiveAfterStep(const StepPlan& plan, const StepLogits& logits);
  void SpawnCandidates(RequestState* request, Sequence* main, const at::Tensor& logits_row);
  void DropCandidates(RequestState* request);
  std::map<RequestState*, ContrastiveState> contrastive_;

  // Asynchronous decoding (engine_async.cc). A launched step whose tokens are still on their way to
  // the host: the next step takes them as pending tokens on the device, then this one is collected.
  struct InFlightStep {
    std::vector<Sequence*> seqs;  // per row
    at::Tensor ids;               // int64 [rows] on the device
    at::Tensor host;              // float [rows, 2 + 2k] (Sampler::SampleOnDevice), being copied from the device
    std::vector<int> top_logprobs;  // per row
    std::optional<c10::Event> copied;
  };
  // True when the plan is a pure decode step whose rows can be sampled on the device (the only kind
  // launched ahead); `sampling_rows` gets the chunks' rows for LaunchAsync.
  bool CanRunAsync(const StepPlan& plan, const std::vector<bool>& all_positions,
                   std::vector<SamplingRow>* sampling_rows);
  // Launches the plan with the in-flight step's choices as its pending tokens, then collects that step.
  void LaunchAsync(const StepPlan& plan, const std::vector<bool>& all_positions,
                   std::vector<SamplingRow> sampling_rows);
  // Waits for the in-flight step's choices and records them (stops, outputs, reports).
  void CollectInFlight();
  // Before a synchronous step planned while a step was in flight: collects it (the plan's in-flight
  // tokens are needed on the host), and drops the plan's chunks of sequences that finished with them.
  void CollectBeforeSyncStep(StepPlan* plan, std::vector<bool>* all_positions);
  // True when every in-flight sequence ends with its in-flight token (a step ahead would be wasted).
  bool InFlightAllEnding() const;
  bool async_decode_ = false;
  std::optional<InFlightStep> inflight_;
  // Finished requests kept alive while a step launched before they finished may still name their
  // sequences (that step's rows for them are discarded when it is collected).
  std::vector<std::unique_ptr<RequestState>> retired_;
  std::unique_ptr<StepProfile> profile_;  // set with BASALT_STEP_PROFILE=1

  EngineOptions options_;
  std::unique_ptr<LoadedModel> model_;
  std::unique_ptr<model::KvCache> cache_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<ModelRunner> runner_;
  std::unique_ptr<Sampler> sampler_;
  std::unique_ptr<OutputProcessor> outputs_;
  std::unique_ptr<OutputDispatcher> dispatcher_;

  // Shared with callers' threads.
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<RequestState>> inbox_;
  std::vector<std::string> cancel_inbox_;
  bool stopping_ = false;
  std::atomic<int> num_pending_{0};  // queued or running requests, for the queue bound
  std::atomic<uint64_t> next_anonymous_id_{0};
  // Written by the loop thread, read by counters().
  std::atomic<int64_t> num_steps_{0}, num_async_steps_{0}, num_discarded_rows_{0}, num_preemptions_{0};

  // Loop thread only.
  std::map<std::string, std::unique_ptr<RequestState>> requests_;
  std::map<int64_t, at::Generator> generators_;  // seeded sequences' generators, by sequence id
  int64_t next_sequence_id_ = 0;
  std::thread loop_;
};

}  // namespace basalt::engine
