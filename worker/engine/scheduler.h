#pragma once
// Iteration-level scheduling (continuous batching). Every step, each running sequence gets the tokens it
// still lacks in the cache (one for decoding, a chunk of the prompt while prefilling), then waiting
// sequences are admitted first-come first-served while the token budget and KV blocks last. There is no
// prefill/decode phase: a sequence's computed tokens simply catch up with its tokens, so long prompts are
// chunked and mixed with decodes. When blocks run out, the latest-arrived running sequence is preempted
// (its blocks freed; it is recomputed later). With prefix caching, a sequence admitted with no computed
// tokens first takes the longest run of its leading full blocks that the block pool still holds.
// Torch-free.
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "worker/engine/block_pool.h"
#include "worker/engine/sequence.h"

namespace basalt::engine {

struct SchedulerConfig {
  int max_num_seqs = 256;
  int max_num_batched_tokens = 2048;
  // Most prompt tokens (chunks of prompts, recomputes) in a step that also decodes; 0 = the step budget.
  // A step's time grows with its prompt tokens, and every decoding stream waits for the step: this
  // bounds their inter-token latency while prompts arrive. Steps without decodes take the full budget.
  int max_prefill_tokens_with_decodes = 0;
  int block_size = 16;
  int64_t num_blocks = 0;
  bool enable_prefix_caching = true;
};

// One sequence's share of a step: its tokens [start, start + num_tokens) are computed.
struct ScheduledChunk {
  Sequence* seq = nullptr;
  int start = 0;
  int num_tokens = 0;
  bool sample = false;  // the chunk reaches the end of the sequence: sample its next token
};

struct StepPlan {
  std::vector<ScheduledChunk> chunks;
  std::vector<std::pair<int32_t, int32_t>> block_copies;  // copy-on-write (src, dst), before the step
  int num_tokens = 0;
  bool empty() const { return chunks.empty(); }
};

class Scheduler {
 public:
  explicit Scheduler(const SchedulerConfig& config);

  // Queues a new sequence (at the back of the waiting queue).
  void Add(Sequence* seq);
  // Plans the next step. Sequences in the plan are running when it returns.
  StepPlan Schedule();
  // Marks the chunk's tokens computed (after the step ran).
  void OnChunkComputed(const ScheduledChunk& chunk);
  // Asynchronous decoding: an in-flight token of the sequence became known (appended to its tokens).
  void OnTokenKnown(Sequence* seq) { RegisterFullBlocks(seq); }
  // Removes a sequence (finished or cancelled) and frees its blocks.
  void Remove(Sequence* seq);
  // Makes `child` a running copy of `parent` sharing its blocks (for n > 1 after the prompt is computed).
  void Fork(const Sequence& parent, Sequence* child);
  // Takes a sequence out of scheduling and drops its block references, without finishing it (contrastive
  // search parks the main sequence while its candidates, which share its blocks, run).
  void Detach(Sequence* seq);
  // `to` takes over `from`'s tokens, computed count, blocks and place in the running list; `from` leaves.
  void TakeOver(Sequence* from, Sequence* to);

  bool has_work() const { return !waiting_.empty() || !running_.empty(); }
  size_t num_waiting() const { return waiting_.size(); }
  size_t num_running() const { return running_.size(); }
  const BlockPool& block_pool() const { return pool_; }
  const SchedulerConfig& config() const { return config_; }
  int64_t num_preemptions() const { return num_preemptions_; }

 private:
  // Makes room for `num_tokens` more tokens of `seq` in its blocks; false when blocks ran out (nothing
  // is allocated then). Copy-on-write of a shared partly filled block is recorded in `copies`.
  bool AllocateSlots(Sequence* seq, int num_tokens, std::vector<std::pair<int32_t, int32_t>>* copies);
  void FreeBlocks(Sequence* seq);
  // At admission: takes the longest cached prefix of the sequence's tokens (leaving at least one token to
  // compute, whose logits are needed).
  void MatchCachedPrefix(Sequence* seq);
  // After a step: registers the sequence's newly completed blocks in the prefix cache (blocks whose tokens
  // are all known: a block's hash covers its token ids).
  void RegisterFullBlocks(Sequence* seq);
  void Preempt(Sequence* seq);
  int64_t BlocksNeeded(const Sequence& seq, int num_tokens) const;

  SchedulerConfig config_;
  BlockPool pool_;
  std::deque<Sequence*> waiting_;
  std::vector<Sequence*> running_;  // in admission order
  int64_t num_preemptions_ = 0;
};

}  // namespace basalt::engine
