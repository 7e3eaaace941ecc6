#pragma once
// Decode steps replayed from CUDA graphs. A decode step of B sequences runs 5-10 kernels per layer; as
// separate launches their CPU cost and gaps exceed the GPU work at small B. At start-up, one graph per
// batch-size bucket is captured over static input buffers; a step pads its batch to the next bucket,
// copies its inputs into the buffers (one host-to-device copy) and replays. The graph also computes each
// row's greedy choice and its logprob, so that a greedy step's sampling is one small device-to-host copy
// instead of a handful of eager torch operations (~0.1 ms of host time per step). For asynchronous
// decoding the graph also keeps its greedy ids on the device and takes input ids from the previous
// step's (a fourth input row of source rows), so the host never waits between two steps. Built only with CUDA.
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <vector>

#include "worker/engine/model_runner.h"
#include "worker/model/decoder_model.h"

namespace basalt::engine {

class CudaGraphRunner {
 public:
  // Captures graphs for every bucket up to `max_batch`. `max_blocks_per_seq` fixes the block table's
  // width (and so the attention kernel's grid).
  CudaGraphRunner(const model::DecoderModel& model, model::KvCache& cache, int max_batch, int max_blocks_per_seq);
  ~CudaGraphRunner();

  // True when the plan is a pure decode step this runner can replay.
  bool CanRun(const StepPlan& plan, const std::vector<bool>& all_positions) const;
  StepLogits Run(const StepPlan& plan, const PendingTokens* pending);

  int num_graphs() const;

 private:
  struct Graph;
  int BucketFor(int batch) const;
  void Capture(int batch);

  const model::DecoderModel& model_;
  model::KvCache& cache_;
  int max_blocks_per_seq_;
  std::vector<int> buckets_;
  // Static inputs, one device buffer for all graphs: the graph of bucket B reads ids, positions, slots and
  // pending source rows (int64 [4, B]) then block tables and context lengths (int32 [B, max_blocks] and
  // [B]) from its start, and Run fills a pinned host buffer of the same layout and copies it in one
  // transfer. Two host buffers alternate: with asynchronous decoding the host fills one while the
  // previous step's copy from the other may still be queued.
  static int64_t InputBytes(int bucket, int max_blocks_per_seq);
  at::Tensor inputs_device_, logits_indices_;
  at::Tensor inputs_host_[2];
  int next_host_buffer_ = 0;
  // Every graph's greedy ids (int64 [max batch]): the next step's pending tokens.
  at::Tensor greedy_ids_;
  std::map<int, std::unique_ptr<Graph>> graphs_;
};

}  // namespace basalt::engine
