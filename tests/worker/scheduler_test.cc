// The scheduler's bookkeeping without a model: budgets, chunked prefill, block accounting, preemption,
// forking with copy-on-write.
#include "worker/engine/scheduler.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

namespace basalt::engine {
namespace {

class SchedulerTest : public ::testing::Test {
 protected:
  Sequence* NewSequence(int prompt_len) {
    auto request = std::make_unique<RequestState>();
    auto seq = std::make_unique<Sequence>();
    seq->id = static_cast<int64_t>(sequences_.size());
    seq->request = request.get();
    seq->tokens.assign(prompt_len, 7);
    seq->num_prompt_tokens = prompt_len;
    requests_.push_back(std::move(request));
    sequences_.push_back(std::move(seq));
    return sequences_.back().get();
  }
  // Runs a plan as the engine would: computed tokens catch up, sampled chunks gain a token.
  void Complete(const StepPlan& plan, Scheduler& s) {
    for (const auto& chunk : plan.chunks) {
      s.OnChunkComputed(chunk);
      if (chunk.sample) chunk.seq->tokens.push_back(1);
    }
  }
  // A sequence whose prompt is `tokens`.
  Sequence* NewSequence(std::vector<int32_t> tokens) {
    Sequence* seq = NewSequence(static_cast<int>(tokens.size()));
    seq->tokens = std::move(tokens);
    return seq;
  }
  // Runs the scheduler until `seq` has sampled its first token.
  void Prefill(Scheduler& s, Sequence* seq) {
    while (seq->num_output_tokens() == 0) Complete(s.Schedule(), s);
  }
  static std::vector<int32_t> Range(int from, int to) {
    std::vector<int32_t> v;
    for (int i = from; i < to; ++i) v.push_back(i);
    return v;
  }
  std::vector<std::unique_ptr<RequestState>> requests_;
  std::vector<std::unique_ptr<Sequence>> sequences_;
};

TEST_F(SchedulerTest, PrefillThenDecode) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 64, .block_size = 4, .num_blocks = 32});
  Sequence* a = NewSequence(10);
  s.Add(a);
  StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].start, 0);
  EXPECT_EQ(plan.chunks[0].num_tokens, 10);
  EXPECT_TRUE(plan.chunks[0].sample);
  EXPECT_EQ(a->block_table.size(), 3u);  // ceil(10 / 4)
  Complete(plan, s);
  plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].start, 10);
  EXPECT_EQ(plan.chunks[0].num_tokens, 1);
  EXPECT_EQ(a->block_table.size(), 3u);  // token 10 still fits in block 2
}

TEST_F(SchedulerTest, LongPromptIsChunkedAndMixedWithDecodes) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 16, .block_size = 4, .num_blocks = 64});
  Sequence* a = NewSequence(3);
  s.Add(a);
  Complete(s.Schedule(), s);  // a is decoding now
  Sequence* b = NewSequence(40);
  s.Add(b);
  StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);
  EXPECT_EQ(plan.chunks[0].seq, a);
  EXPECT_EQ(plan.chunks[0].num_tokens, 1);
  EXPECT_EQ(plan.chunks[1].seq, b);
  EXPECT_EQ(plan.chunks[1].num_tokens, 15);  // the rest of the budget
  EXPECT_FALSE(plan.chunks[1].sample);
  EXPECT_EQ(plan.num_tokens, 16);
  Complete(plan, s);
  plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);
  EXPECT_EQ(plan.chunks[1].start, 15);
  EXPECT_EQ(plan.chunks[1].num_tokens, 15);
  Complete(plan, s);
  plan = s.Schedule();
  EXPECT_EQ(plan.chunks[1].start, 30);
  EXPECT_EQ(plan.chunks[1].num_tokens, 10);
  EXPECT_TRUE(plan.chunks[1].sample);
}

// While a stream decodes, prompt chunks share max_prefill_tokens_with_decodes (running prompts first,
// then admissions); a step with no decodes takes the whole budget.
TEST_F(SchedulerTest, PromptTokensAreCappedOnlyWhileStreamsDecode) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 32, .max_prefill_tokens_with_decodes = 8,
               .block_size = 4, .num_blocks = 64});
  Sequence* a = NewSequence(40);
  s.Add(a);
  StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].num_tokens, 32);  // nothing decodes yet: the full budget
  Complete(plan, s);
  Complete(s.Schedule(), s);  // the prompt's last 8 tokens; a samples and decodes from now on
  ASSERT_EQ(a->num_output_tokens(), 1);

  Sequence* b = NewSequence(Range(100, 120));  // prompts of their own: no prefix-cache hits
  Sequence* c = NewSequence(Range(200, 220));
  s.Add(b);
  s.Add(c);
  plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);  // c waits: the prompt tokens went to b
  EXPECT_EQ(plan.chunks[0].seq, a);
  EXPECT_EQ(plan.chunks[0].num_tokens, 1);
  EXPECT_EQ(plan.chunks[1].seq, b);
  EXPECT_EQ(plan.chunks[1].num_tokens, 8);
  EXPECT_EQ(plan.num_tokens, 9);
  Complete(plan, s);

  plan = s.Schedule();  // b, running, takes its 8 before c is admitted
  ASSERT_EQ(plan.chunks.size(), 2u);
  EXPECT_EQ(plan.chunks[1].seq, b);
  EXPECT_EQ(plan.chunks[1].start, 8);
  EXPECT_EQ(plan.chunks[1].num_tokens, 8);
  Complete(plan, s);

  plan = s.Schedule();  // b's last 4, then 4 of c
  ASSERT_EQ(plan.chunks.size(), 3u);
  EXPECT_EQ(plan.chunks[1].seq, b);
  EXPECT_EQ(plan.chunks[1].num_tokens, 4);
  EXPECT_TRUE(plan.chunks[1].sample);
  EXPECT_EQ(plan.chunks[2].seq, c);
  EXPECT_EQ(plan.chunks[2].num_tokens, 4);
  Complete(plan, s);

  // Once a and b are gone nothing decodes: c takes the full budget again.
  s.Remove(a);
  s.Remove(b);
  plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].seq, c);
  EXPECT_EQ(plan.chunks[0].num_tokens, 16);
  EXPECT_TRUE(plan.chunks[0].sample);
}

// Off (0), prompts take whatever the decodes leave of the budget, as before.
TEST_F(SchedulerTest, NoPromptCapByDefault) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 32, .block_size = 4, .num_blocks = 64});
  Sequence* a = NewSequence(3);
  s.Add(a);
  Complete(s.Schedule(), s);
  s.Add(NewSequence(Range(100, 140)));
  const StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);
  EXPECT_EQ(plan.chunks[1].num_tokens, 31);
}

TEST_F(SchedulerTest, RespectsMaxNumSeqs) {
  Scheduler s({.max_num_seqs = 2, .max_num_batched_tokens = 100, .block_size = 4, .num_blocks = 64});
  for (int i = 0; i < 3; ++i) s.Add(NewSequence(2));
  StepPlan plan = s.Schedule();
  EXPECT_EQ(plan.chunks.size(), 2u);
  EXPECT_EQ(s.num_waiting(), 1u);
}

TEST_F(SchedulerTest, PreemptsNewestWhenBlocksRunOutAndRecomputesLater) {
  // 4 blocks of 4 tokens = 16 slots. Two sequences of 7 tokens take 2 blocks each. (Without the prefix
  // cache, which would let the preempted sequence take back its still-cached first blocks.)
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 100, .block_size = 4, .num_blocks = 4,
               .enable_prefix_caching = false});
  Sequence* a = NewSequence(7);
  Sequence* b = NewSequence(7);
  s.Add(a);
  s.Add(b);
  StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);
  Complete(plan, s);  // both have 8 tokens now, 7 computed; the 8th fits in their 2nd block
  plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);
  Complete(plan, s);  // 9 tokens, 8 computed: the 9th needs a 3rd block each, only... 0 free
  EXPECT_EQ(s.block_pool().num_free(), 0);
  plan = s.Schedule();
  // a needs a block: b (newest) is preempted and its blocks freed.
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].seq, a);
  EXPECT_EQ(s.num_preemptions(), 1);
  EXPECT_EQ(b->num_computed_tokens, 0);
  EXPECT_TRUE(b->block_table.empty());
  EXPECT_EQ(s.num_waiting(), 1u);
  // Once a finishes, b is recomputed from scratch (prompt and its generated token).
  Complete(plan, s);
  s.Remove(a);
  EXPECT_EQ(s.block_pool().num_free(), 4);
  plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].seq, b);
  EXPECT_EQ(plan.chunks[0].start, 0);
  EXPECT_EQ(plan.chunks[0].num_tokens, 9);
  EXPECT_TRUE(plan.chunks[0].sample);
}

TEST_F(SchedulerTest, ForkSharesBlocksAndCopiesOnWrite) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 100, .block_size = 4, .num_blocks = 16});
  Sequence* parent = NewSequence(6);
  s.Add(parent);
  StepPlan plan = s.Schedule();
  for (const auto& chunk : plan.chunks) s.OnChunkComputed(chunk);
  Sequence* child = NewSequence(0);
  s.Fork(*parent, child);
  EXPECT_EQ(child->block_table, parent->block_table);
  EXPECT_EQ(s.block_pool().ref_count(parent->block_table[0]), 2);
  EXPECT_EQ(s.block_pool().num_free(), 14);
  parent->tokens.push_back(11);
  child->tokens.push_back(12);
  plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);
  // Both write position 6 in the shared, half-full block 1: the first writer gets a private copy; the
  // second then owns the original alone and writes in place.
  ASSERT_EQ(plan.block_copies.size(), 1u);
  EXPECT_NE(parent->block_table[1], child->block_table[1]);
  EXPECT_EQ(parent->block_table[0], child->block_table[0]);  // full block stays shared
  EXPECT_EQ(s.block_pool().ref_count(parent->block_table[1]), 1);
  EXPECT_EQ(s.block_pool().ref_count(child->block_table[1]), 1);
  s.Remove(parent);
  s.Remove(child);
  EXPECT_EQ(s.block_pool().num_free(), 16);
}

TEST_F(SchedulerTest, RemoveFreesWaitingAndRunning) {
  Scheduler s({.max_num_seqs = 1, .max_num_batched_tokens = 100, .block_size = 4, .num_blocks = 8});
  Sequence* a = NewSequence(5);
  Sequence* b = NewSequence(5);
  s.Add(a);
  s.Add(b);
  s.Schedule();
  s.Remove(b);  // still waiting
  s.Remove(a);  // running
  EXPECT_FALSE(s.has_work());
  EXPECT_EQ(s.block_pool().num_free(), 8);
}

TEST_F(SchedulerTest, PrefixCacheReusesFullBlocksOfACommonPrompt) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 100, .block_size = 16, .num_blocks = 32});
  Sequence* a = NewSequence(Range(0, 40));
  s.Add(a);
  Prefill(s, a);
  // Same first 36 tokens: the two full blocks (32 tokens) come from the cache, the rest is computed.
  std::vector<int32_t> b_tokens = Range(0, 36);
  b_tokens.push_back(999);
  Sequence* b = NewSequence(b_tokens);
  s.Add(b);
  StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 2u);  // a decodes, b is admitted
  EXPECT_EQ(plan.chunks[1].seq, b);
  EXPECT_EQ(plan.chunks[1].start, 32);
  EXPECT_EQ(plan.chunks[1].num_tokens, 5);
  EXPECT_EQ(b->num_cached_tokens, 32);
  EXPECT_EQ(b->block_table[0], a->block_table[0]);
  EXPECT_EQ(b->block_table[1], a->block_table[1]);
  EXPECT_NE(b->block_table[2], a->block_table[2]);
  EXPECT_EQ(s.block_pool().ref_count(a->block_table[0]), 2);
}

TEST_F(SchedulerTest, PrefixCacheOutlivesTheSequenceAndLeavesOneTokenToCompute) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 100, .block_size = 16, .num_blocks = 8});
  Sequence* a = NewSequence(Range(0, 32));
  s.Add(a);
  Prefill(s, a);
  s.Remove(a);  // its blocks are free again but keep their content
  EXPECT_EQ(s.block_pool().num_free(), 8);
  Sequence* b = NewSequence(Range(0, 32));  // exactly two blocks: only the first is reused
  s.Add(b);
  StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].start, 16);
  EXPECT_EQ(plan.chunks[0].num_tokens, 16);
  EXPECT_TRUE(plan.chunks[0].sample);
}

TEST_F(SchedulerTest, DifferentPrefixOrCacheOffMeansNoReuse) {
  Scheduler s({.max_num_seqs = 8, .max_num_batched_tokens = 100, .block_size = 16, .num_blocks = 32});
  Sequence* a = NewSequence(Range(0, 40));
  s.Add(a);
  Prefill(s, a);
  std::vector<int32_t> other = Range(0, 40);
  other[3] = 777;  // differs in the first block: the second block's hash differs too
  Sequence* b = NewSequence(other);
  s.Add(b);
  Sequence* c = NewSequence(Range(0, 40));
  c->use_prefix_cache = false;
  s.Add(c);
  StepPlan plan = s.Schedule();
  ASSERT_EQ(plan.chunks.size(), 3u);
  EXPECT_EQ(plan.chunks[1].start, 0);
  EXPECT_EQ(plan.chunks[2].start, 0);
  EXPECT_EQ(b->num_cached_tokens, 0);
  EXPECT_EQ(c->num_cached_tokens, 0);
}

TEST_F(SchedulerTest, BlocksFreedLongestAgoAreReusedFirst) {
  BlockPool pool(4);
  auto a = *pool.Allocate(), b = *pool.Allocate();
  std::vector<int32_t> ta = Range(0, 4), tb = Range(4, 8);
  pool.Register(a, BlockHash(0, ta), ta);
  pool.Register(b, BlockHash(0, tb), tb);
  pool.Release(a);  // freed first: evicted first
  pool.Release(b);
  EXPECT_EQ(pool.num_cached(), 2);
  pool.Allocate();
  pool.Allocate();  // the two never-used blocks
  pool.Allocate();  // evicts a
  EXPECT_FALSE(pool.Lookup(BlockHash(0, ta), ta).has_value());
  EXPECT_TRUE(pool.Lookup(BlockHash(0, tb), tb).has_value());
  EXPECT_EQ(pool.num_free(), 0);
}

}  // namespace
}  // namespace basalt::engine
