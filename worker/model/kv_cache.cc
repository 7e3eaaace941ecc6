#include "worker/model/kv_cache.h"

namespace basalt::model {

KvCache::KvCache(int num_layers, int64_t num_blocks, int block_size, int kv_heads, int head_dim,
                 at::ScalarType dtype, at::Device device)
    : num_blocks_(num_blocks), block_size_(block_size) {
  auto options = at::TensorOptions().dtype(dtype).device(device);
  for (int layer = 0; layer < num_layers; ++layer) {
    // zeros, not empty: attention masks unused slots, but NaN garbage times a zero weight is still NaN.
    keys_.push_back(at::zeros({num_blocks, block_size, kv_heads, head_dim}, options));
    values_.push_back(at::zeros({num_blocks, block_size, kv_heads, head_dim}, options));
  }
}

int64_t KvCache::BytesPerBlock(int num_layers, int block_size, int kv_heads, int head_dim,
                               at::ScalarType dtype) {
  return 2LL * num_layers * block_size * kv_heads * head_dim * static_cast<int64_t>(c10::elementSize(dtype));
}

void KvCache::CopyBlocks(const std::vector<std::pair<int32_t, int32_t>>& src_dst) {
  if (src_dst.empty()) return;
  std::vector<int64_t> src, dst;
  for (auto [s, d] : src_dst) {
    src.push_back(s);
    dst.push_back(d);
  }
  auto device = keys_.front().device();
  at::Tensor src_t = at::tensor(src, at::kLong).to(device), dst_t = at::tensor(dst, at::kLong).to(device);
  for (size_t layer = 0; layer < keys_.size(); ++layer) {
    keys_[layer].index_copy_(0, dst_t, keys_[layer].index_select(0, src_t));
    values_[layer].index_copy_(0, dst_t, values_[layer].index_select(0, src_t));
  }
}

}  // namespace basalt::model
