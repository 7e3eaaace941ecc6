#include "worker/engine/scheduler.h"

#include <algorithm>

namespace basalt::engine {

Scheduler::Scheduler(const SchedulerConfig& config) : config_(config), pool_(config.num_blocks) {}

void Scheduler::Add(Sequence* seq) {
  seq->status = SequenceStatus::kWaiting;
  waiting_.push_back(seq);
}

int64_t Scheduler::BlocksNeeded(const Sequence& seq, int num_tokens) const {
  const int64_t total = seq.num_computed_tokens + num_tokens;
  const int64_t blocks = (total + config_.block_size - 1) / config_.block_size;
  int64_t needed = blocks - static_cast<int64_t>(seq.block_table.size());
  // Writing into a shared, partly filled last block needs a private copy first.
  if (seq.num_computed_tokens % config_.block_size != 0 && !seq.block_table.empty() &&
      pool_.ref_count(seq.block_table.back()) > 1) {
    ++needed;
  }
  return std::max<int64_t>(needed, 0);
}

bool Scheduler::AllocateSlots(Sequence* seq, int num_tokens, std::vector<std::pair<int32_t, int32_t>>* copies) {
  if (BlocksNeeded(*seq, num_tokens) > pool_.num_free()) return false;
  if (seq->num_computed_tokens % config_.block_size != 0 && !seq->block_table.empty() &&
      pool_.ref_count(seq->block_table.back()) > 1) {
    int32_t shared = seq->block_table.back();
    int32_t copy = *pool_.Allocate();
    copies->emplace_back(shared, copy);
    pool_.Release(shared);
    seq->block_table.back() = copy;
  }
  const int64_t total = seq->num_computed_tokens + num_tokens;
  while (static_cast<int64_t>(seq->block_table.size()) * config_.block_size < total) {
    seq->block_table.push_back(*pool_.Allocate());
  }
  return true;
}

void Scheduler::FreeBlocks(Sequence* seq) {
  for (int32_t block : seq->block_table) pool_.Release(block);
  seq->block_table.clear();
  seq->block_hashes.clear();
}

void Scheduler::MatchCachedPrefix(Sequence* seq) {
  if (!config_.enable_prefix_caching || !seq->use_prefix_cache || seq->num_computed_tokens != 0 ||
      !seq->block_table.empty()) {
    return;
  }
  const int bs = config_.block_size;
  const int usable = (static_cast<int>(seq->tokens.size()) - 1) / bs;  // full blocks, one token left over
  uint64_t hash = 0;
  for (int b = 0; b < usable; ++b) {
    absl::Span<const int32_t> tokens(seq->tokens.data() + static_cast<size_t>(b) * bs, bs);
    hash = BlockHash(hash, tokens);
    std::optional<int32_t> block = pool_.Lookup(hash, tokens);
    if (!block) break;
    seq->block_table.push_back(*block);
    seq->block_hashes.push_back(hash);
  }
  seq->num_computed_tokens = static_cast<int>(seq->block_table.size()) * bs;
  if (seq->num_computed_tokens > 0 && seq->num_cached_tokens == 0) {
    seq->num_cached_tokens = std::min(seq->num_computed_tokens, seq->num_prompt_tokens);
  }
}

void Scheduler::RegisterFullBlocks(Sequence* seq) {
  if (!config_.enable_prefix_caching) return;
  const int bs = config_.block_size;
  const size_t full = static_cast<size_t>(std::min<int>(seq->num_computed_tokens, seq->tokens.size()) / bs);
  while (seq->block_hashes.size() < full && seq->block_hashes.size() < seq->block_table.size()) {
    const size_t b = seq->block_hashes.size();
    absl::Span<const int32_t> tokens(seq->tokens.data() + b * bs, bs);
    const uint64_t hash = BlockHash(b == 0 ? 0 : seq->block_hashes[b - 1], tokens);
    pool_.Register(seq->block_table[b], hash, tokens);
    seq->block_hashes.push_back(hash);
  }
}

void Scheduler::Preempt(Sequence* seq) {
  // Recompute later: the sequence keeps its tokens (prompt and output) and redoes them as a prefill.
  FreeBlocks(seq);
  seq->num_computed_tokens = 0;
  seq->status = SequenceStatus::kWaiting;
  waiting_.push_front(seq);
  ++num_preemptions_;
}

namespace {

// Its prompt is in the cache: the sequence computes its newest token(s), not a prompt chunk.
bool IsDecoding(const Sequence& seq) { return seq.num_computed_tokens >= seq.num_prompt_tokens; }

}  // namespace

StepPlan Scheduler::Schedule() {
  StepPlan plan;
  int budget = config_.max_num_batched_tokens;
  // Prompt tokens this step may still take (max_prefill_tokens_with_decodes while any stream decodes).
  int prefill_left = budget;
  if (config_.max_prefill_tokens_with_decodes > 0 &&
      std::any_of(running_.begin(), running_.end(), [](const Sequence* s) { return IsDecoding(*s); })) {
    prefill_left = std::min(budget, config_.max_prefill_tokens_with_decodes);
  }

  // Running sequences first, oldest first; preempt from the newest end when blocks run out.
  std::vector<Sequence*> scheduled;
  bool preempted_any = false;
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence* seq = running_[i];
    const bool decoding = IsDecoding(*seq);
    const int wanted = std::min({seq->num_uncomputed_tokens(), budget, decoding ? budget : prefill_left});
    if (wanted <= 0) {
      ++i;
      continue;
    }
    if (AllocateSlots(seq, wanted, &plan.block_copies)) {
      plan.chunks.push_back({seq, seq->num_computed_tokens, wanted, wanted == seq->num_uncomputed_tokens()});
      budget -= wanted;
      if (!decoding) prefill_left -= wanted;
      ++i;
      continue;
    }
    // Out of blocks: preempt the newest running sequence that is not yet in this step's plan.
    Sequence* victim = running_.back();
    running_.pop_back();
    preempted_any = true;
    Preempt(victim);
    if (victim == seq) break;  // this sequence itself was the newest
  }

  // Then admit waiting sequences in arrival order (not after a preemption: memory is short).
  while (!preempted_any && !waiting_.empty() && budget > 0 && prefill_left > 0 &&
         static_cast<int>(running_.size()) < config_.max_num_seqs) {
    Sequence* seq = waiting_.front();
    // A sequence preempted with a token in flight is recomputed once that token is known.
    if (seq->num_inflight_tokens > 0) break;
    MatchCachedPrefix(seq);
    const int wanted = std::min({seq->num_uncomputed_tokens(), budget, prefill_left});
    if (!AllocateSlots(seq, wanted, &plan.block_copies)) {
      FreeBlocks(seq);  // give the cached prefix back; it is matched again next time
      seq->num_computed_tokens = 0;
      break;
    }
    waiting_.pop_front();
    seq->status = SequenceStatus::kRunning;
    running_.push_back(seq);
    plan.chunks.push_back({seq, seq->num_computed_tokens, wanted, wanted == seq->num_uncomputed_tokens()});
    budget -= wanted;
    prefill_left -= wanted;
  }
  plan.num_tokens = config_.max_num_batched_tokens - budget;
  return plan;
}

void Scheduler::OnChunkComputed(const ScheduledChunk& chunk) {
  chunk.seq->num_computed_tokens = chunk.start + chunk.num_tokens;
  RegisterFullBlocks(chunk.seq);
}

void Scheduler::Remove(Sequence* seq) {
  FreeBlocks(seq);
  running_.erase(std::remove(running_.begin(), running_.end(), seq), running_.end());
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), seq), waiting_.end());
  seq->status = SequenceStatus::kFinished;
}

void Scheduler::Detach(Sequence* seq) {
  FreeBlocks(seq);
  seq->num_computed_tokens = 0;
  running_.erase(std::remove(running_.begin(), running_.end(), seq), running_.end());
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), seq), waiting_.end());
  seq->status = SequenceStatus::kWaiting;
}

void Scheduler::TakeOver(Sequence* from, Sequence* to) {
  to->tokens = from->tokens;
  to->num_computed_tokens = from->num_computed_tokens;
  to->block_table = std::move(from->block_table);
  to->block_hashes = std::move(from->block_hashes);
  from->block_table.clear();
  from->block_hashes.clear();
  to->status = from->status;
  std::replace(running_.begin(), running_.end(), from, to);
  std::replace(waiting_.begin(), waiting_.end(), from, to);
  from->status = SequenceStatus::kFinished;
}

void Scheduler::Fork(const Sequence& parent, Sequence* child) {
  child->tokens = parent.tokens;
  child->num_prompt_tokens = parent.num_prompt_tokens;
  child->num_computed_tokens = parent.num_computed_tokens;
  child->block_table = parent.block_table;
  child->block_hashes = parent.block_hashes;
  for (int32_t block : child->block_table) pool_.Share(block);
  child->status = SequenceStatus::kRunning;
  // Right after its parent, so that siblings keep their relative priority.
  auto it = std::find(running_.begin(), running_.end(), &parent);
  running_.insert(it == running_.end() ? running_.end() : it + 1, child);
}

}  // namespace basalt::engine
