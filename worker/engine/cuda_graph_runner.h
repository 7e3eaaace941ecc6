#pragma once
// Decode steps replayed from CUDA graphs. A decode step of B sequences runs ~10 kernels per layer; as
// separate launches their CPU cost and gaps exceed the GPU work at small B. At start-up, one graph per
// batch-size bucket is captured over static input buffers; a step pads its batch to the next bucket,
// copies its inputs into the buffers and replays. Built only with CUDA.
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
  StepLogits Run(const StepPlan& plan);

  int num_graphs() const;

 private:
  struct Graph;
  int BucketFor(int batch) const;
  void Capture(int batch);

  const model::DecoderModel& model_;
  model::KvCache& cache_;
  int max_blocks_per_seq_;
  std::vector<int> buckets_;
  // Static inputs (device) at the largest bucket's size; graphs read prefixes of them.
  at::Tensor input_ids_, positions_, slots_, block_tables_, context_lens_, logits_indices_;
  std::map<int, std::unique_ptr<Graph>> graphs_;
};

}  // namespace basalt::engine
