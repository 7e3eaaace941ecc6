#include "worker/engine/block_pool.h"

#include <cassert>

namespace basalt::engine {

uint64_t BlockHash(uint64_t previous, absl::Span<const int32_t> tokens) {
  // splitmix64 steps over the chain: deterministic, well mixed, cheap.
  auto mix = [](uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  };
  uint64_t h = mix(previous ^ 0x5ba17ull);
  for (int32_t t : tokens) h = mix(h ^ static_cast<uint32_t>(t));
  return mix(h ^ tokens.size());
}

BlockPool::BlockPool(int64_t num_blocks)
    : ref_counts_(num_blocks, 0), prev_(num_blocks, -1), next_(num_blocks, -1), block_hash_(num_blocks),
      block_tokens_(num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b) PushFree(static_cast<int32_t>(b));
}

void BlockPool::PushFree(int32_t block) {
  prev_[block] = tail_;
  next_[block] = -1;
  if (tail_ >= 0) next_[tail_] = block;
  tail_ = block;
  if (head_ < 0) head_ = block;
  ++num_free_;
}

void BlockPool::RemoveFree(int32_t block) {
  if (prev_[block] >= 0) next_[prev_[block]] = next_[block];
  if (next_[block] >= 0) prev_[next_[block]] = prev_[block];
  if (head_ == block) head_ = next_[block];
  if (tail_ == block) tail_ = prev_[block];
  prev_[block] = next_[block] = -1;
  --num_free_;
}

void BlockPool::Forget(int32_t block) {
  if (!block_hash_[block]) return;
  auto it = by_hash_.find(*block_hash_[block]);
  if (it != by_hash_.end() && it->second == block) by_hash_.erase(it);
  block_hash_[block].reset();
  block_tokens_[block].clear();
}

std::optional<int32_t> BlockPool::Allocate() {
  if (head_ < 0) return std::nullopt;
  const int32_t block = head_;
  RemoveFree(block);
  Forget(block);  // new content is about to be written
  ref_counts_[block] = 1;
  return block;
}

void BlockPool::Share(int32_t block) {
  assert(ref_counts_[block] > 0);
  ++ref_counts_[block];
}

void BlockPool::Release(int32_t block) {
  assert(ref_counts_[block] > 0);
  if (--ref_counts_[block] == 0) PushFree(block);
}

std::optional<int32_t> BlockPool::Lookup(uint64_t hash, absl::Span<const int32_t> tokens) {
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  const int32_t block = it->second;
  const auto& cached = block_tokens_[block];
  if (cached.size() != tokens.size() || !std::equal(cached.begin(), cached.end(), tokens.begin())) return std::nullopt;
  if (ref_counts_[block] == 0) RemoveFree(block);
  ++ref_counts_[block];
  return block;
}

void BlockPool::Register(int32_t block, uint64_t hash, absl::Span<const int32_t> tokens) {
  if (block_hash_[block] || by_hash_.count(hash)) return;
  by_hash_.emplace(hash, block);
  block_hash_[block] = hash;
  block_tokens_[block].assign(tokens.begin(), tokens.end());
}

}  // namespace basalt::engine
