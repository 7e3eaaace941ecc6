#pragma once
// Fixed-size KV blocks: a free list and reference counts (choices of one request share their prompt's
// blocks until they diverge). Torch-free; the tensors live in model::KvCache.
#include <cstdint>
#include <optional>
#include <vector>

namespace basalt::engine {

class BlockPool {
 public:
  explicit BlockPool(int64_t num_blocks);

  int64_t num_blocks() const { return static_cast<int64_t>(ref_counts_.size()); }
  int64_t num_free() const { return static_cast<int64_t>(free_.size()); }

  // A free block with reference count 1, or nullopt when none is left.
  std::optional<int32_t> Allocate();
  // Adds a reference to an allocated block.
  void Share(int32_t block);
  // Drops a reference; the block is free again at zero.
  void Release(int32_t block);
  int ref_count(int32_t block) const { return ref_counts_[block]; }

 private:
  std::vector<int32_t> free_;  // used as a stack: recently freed blocks are reused first
  std::vector<int> ref_counts_;
};

}  // namespace basalt::engine
