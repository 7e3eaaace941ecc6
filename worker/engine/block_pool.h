#pragma once
// Fixed-size KV blocks: reference counts (choices of one request share their prompt's blocks until they
// diverge), a free queue in least-recently-freed order, and the prefix cache: a full block is
// registered under a hash of its tokens and of every token before it, so a later sequence that starts
// with the same tokens reuses the block instead of recomputing it. A freed block keeps its cached
// content until it is allocated again, so recently used prefixes survive the longest. Torch-free.
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "absl/types/span.h"

namespace basalt::engine {

class BlockPool {
 public:
  explicit BlockPool(int64_t num_blocks);

  int64_t num_blocks() const { return static_cast<int64_t>(ref_counts_.size()); }
  int64_t num_free() const { return num_free_; }

  // A free block with reference count 1 (the least recently freed; its cached content is forgotten),
  // or nullopt when none is left.
  std::optional<int32_t> Allocate();
  // Adds a reference to an allocated block.
  void Share(int32_t block);
  // Drops a reference; the block is free again at zero (its cached content stays until reused).
  void Release(int32_t block);
  int ref_count(int32_t block) const { return ref_counts_[block]; }

  // Prefix cache. `hash` chains the hash of the previous block with this block's tokens (BlockHash).
  // Lookup returns a block holding exactly `tokens` after the same prefix, with a reference added.
  std::optional<int32_t> Lookup(uint64_t hash, absl::Span<const int32_t> tokens);
  // Records that a full, computed block holds `tokens` (no-op when that content is already cached).
  void Register(int32_t block, uint64_t hash, absl::Span<const int32_t> tokens);
  int64_t num_cached() const { return static_cast<int64_t>(by_hash_.size()); }

 private:
  void PushFree(int32_t block);
  void RemoveFree(int32_t block);
  void Forget(int32_t block);

  std::vector<int> ref_counts_;
  // Free queue as an intrusive doubly linked list (blocks leave from the middle on cache hits).
  std::vector<int32_t> prev_, next_;
  int32_t head_ = -1, tail_ = -1;
  int64_t num_free_ = 0;
  // Prefix cache: hash -> block, and each cached block's hash and tokens (a cheap guard against hash
  // collisions: the block's own tokens must match too).
  std::unordered_map<uint64_t, int32_t> by_hash_;
  std::vector<std::optional<uint64_t>> block_hash_;
  std::vector<std::vector<int32_t>> block_tokens_;
};

// The chained hash of a block: of the previous block's hash (0 for the first) and the block's tokens.
uint64_t BlockHash(uint64_t previous, absl::Span<const int32_t> tokens);

}  // namespace basalt::engine
