#include "worker/engine/kv_cache_sizing.h"

#include <algorithm>

#include "spdlog/spdlog.h"
#include "worker/engine/device_memory.h"
#include "worker/model/kv_cache.h"

namespace basalt::engine {

KvCachePlan PlanKvCache(const EngineOptions& options, const model::ModelSpec& spec, at::ScalarType dtype,
                        at::Device device, int max_model_len) {
  const int64_t block_bytes = model::KvCache::BytesPerBlock(spec.num_layers, options.block_size,
                                                            spec.attention.num_kv_heads, spec.attention.head_dim, dtype);
  const int64_t blocks_per_seq = (max_model_len + options.block_size - 1) / options.block_size;
  int64_t bytes = options.kv_cache_bytes;
  if (bytes <= 0) {
    if (device.is_cuda()) {
      DeviceMemory mem = QueryDeviceMemory(device.index() < 0 ? 0 : device.index());
      // What is left of the allowed share after the weights (already loaded) and a reserve for
      // activations of the largest step.
      const int64_t allowed = static_cast<int64_t>(options.gpu_memory_utilization * static_cast<double>(mem.total));
      const int64_t used = mem.total - mem.free;
      const int64_t activation_reserve = 1LL << 30;
      bytes = std::max<int64_t>(allowed - used - activation_reserve, block_bytes * blocks_per_seq);
    } else {
      // CPU: 1 GiB, or less when fewer blocks serve every sequence at full length.
      const int64_t wanted = block_bytes * blocks_per_seq * std::max(1, options.max_num_seqs);
      bytes = std::min<int64_t>(wanted, 1LL << 30);
    }
  }
  KvCachePlan plan;
  plan.num_blocks = std::max<int64_t>(bytes / block_bytes, 1);
  plan.bytes = plan.num_blocks * block_bytes;
  const int64_t capacity = plan.num_blocks * options.block_size;
  plan.max_model_len = static_cast<int>(std::min<int64_t>(max_model_len, capacity));
  if (plan.max_model_len < max_model_len) {
    spdlog::warn("max_model_len lowered from {} to {}: the KV cache holds only {} tokens", max_model_len,
                 plan.max_model_len, capacity);
  }
  return plan;
}

}  // namespace basalt::engine
