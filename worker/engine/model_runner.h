#pragma once
// Runs one scheduled step on the model: packs the chunks' tokens, positions, cache slots and block
// tables into device tensors (one host-to-device copy each), runs the forward pass, and returns the
// logits rows each chunk asked for.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "worker/engine/scheduler.h"
#include "worker/model/generative_model.h"
#include "worker/model/kv_cache.h"

namespace basalt::engine {

struct StepLogits {
  at::Tensor logits;  // [rows, vocab] float32
  at::Tensor hidden;  // [rows, hidden]
  // [rows, 2] float32 (argmax id, its raw logprob) when the step computed them on the device (CUDA graph
  // steps); undefined otherwise. Lets a greedy step skip the sampler's device work.
  at::Tensor greedy;
  // Per chunk: the first logits row and how many rows it has (0 when it needs none). The rows are
  // positions chunk.start .. chunk.start + num_rows - 1 when all positions were asked for, else the
  // last position only.
  std::vector<int64_t> first_row;
  std::vector<int64_t> num_rows;
  // int64 [rows] on the device: the greedy choices (greedy[:, 0]) where the step computed them in place
  // for asynchronous decoding (CUDA graph steps); undefined otherwise.
  at::Tensor greedy_ids;
};

// Asynchronous decoding: the previous step's choices, still on the device. A chunk whose token lies past
// its sequence's known tokens takes ids[rows[c]].
struct PendingTokens {
  at::Tensor ids;              // int64 [previous rows]
  std::vector<int64_t> rows;   // per chunk of the plan: the row in ids, or -1 (token known on the host)
};

class CudaGraphRunner;

class ModelRunner {
 public:
  // With `cuda_graphs` (and a CUDA build, a model on the GPU), pure decode steps of up to `max_batch`
  // sequences replay captured CUDA graphs.
  ModelRunner(const model::GenerativeModel& model, model::KvCache& cache, bool cuda_graphs = false, int max_batch = 0,
              int max_model_len = 0);
  ~ModelRunner();

  // Encoder-decoder models: encodes the prompt of every request in the plan that has no encoder state
  // yet (once per request: preempted and forked sequences keep theirs).
  void EncodeNewRequests(const StepPlan& plan);

  // `all_positions[i]`: chunk i needs logits for each of its positions (prompt logprobs), not just the
  // last one. `pending` (asynchronous decoding): where the chunks' in-flight tokens are.
  StepLogits Run(const StepPlan& plan, const std::vector<bool>& all_positions, const PendingTokens* pending = nullptr);

 private:
  const model::GenerativeModel& model_;
  model::KvCache& cache_;
  std::unique_ptr<CudaGraphRunner> graphs_;
};

}  // namespace basalt::engine
