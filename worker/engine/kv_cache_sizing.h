#pragma once
// How many KV blocks the engine gets: from free GPU memory (--gpu-memory-utilization) on CUDA, from a
// memory budget on CPU, or exactly --kv-cache-bytes. max_model_len is capped so that one sequence of
// that length always fits.
#include <ATen/ATen.h>

#include <cstdint>

#include "worker/engine/engine.h"
#include "worker/model/model_spec.h"

namespace basalt::engine {

struct KvCachePlan {
  int64_t num_blocks = 0;
  int64_t bytes = 0;
  int max_model_len = 0;
};

KvCachePlan PlanKvCache(const EngineOptions& options, const model::ModelSpec& spec, at::ScalarType dtype,
                        at::Device device, int max_model_len);

}  // namespace basalt::engine
