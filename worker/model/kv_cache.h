#pragma once
// The paged KV cache: per layer, key and value tensors of [num_blocks, block_size, kv_heads, head_dim].
// A sequence's tokens live in the blocks its block table names; token i of a sequence sits in block
// table[i / block_size] at offset i % block_size ("slot" = block * block_size + offset).
#include <ATen/ATen.h>

#include <utility>
#include <vector>

namespace basalt::model {

class KvCache {
 public:
  KvCache(int num_layers, int64_t num_blocks, int block_size, int kv_heads, int head_dim,
          at::ScalarType dtype, at::Device device);

  // Bytes one block takes over all layers (keys and values).
  static int64_t BytesPerBlock(int num_layers, int block_size, int kv_heads, int head_dim,
                               at::ScalarType dtype);

  // Handles to the layer's tensors (writes through them land in the cache).
  at::Tensor key(int layer) const { return keys_[layer]; }
  at::Tensor value(int layer) const { return values_[layer]; }
  int64_t num_blocks() const { return num_blocks_; }
  int block_size() const { return block_size_; }

  // Copies whole blocks (all layers): used for copy-on-write when choices that shared a block diverge.
  void CopyBlocks(const std::vector<std::pair<int32_t, int32_t>>& src_dst);

 private:
  std::vector<at::Tensor> keys_, values_;
  int64_t num_blocks_;
  int block_size_;
};

}  // namespace basalt::model
