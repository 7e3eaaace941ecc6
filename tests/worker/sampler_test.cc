// The sampler's greedy shortcut (argmax and logprob computed with the logits, as CUDA graph steps do)
// against its full path, the rows that must not take it, and penalties that count a token still on the
// device (asynchronous decoding) as if it were in the row's history.
#include "worker/engine/sampler.h"

#include <gtest/gtest.h>

namespace basalt::engine {
namespace {

// What a CUDA graph step computes next to the logits.
at::Tensor GreedyOf(const at::Tensor& logits) {
  at::Tensor choice = logits.argmax(-1);
  at::Tensor logprob = logits.gather(1, choice.unsqueeze(1)).squeeze(1) - at::logsumexp(logits, -1);
  return at::stack({choice.to(at::kFloat), logprob}, 1);
}

class SamplerTest : public ::testing::Test {
 protected:
  std::vector<SamplingRow> Rows(int n, const SamplingOptions& options) {
    std::vector<SamplingRow> rows(n);
    for (auto& row : rows) {
      row.options = &options;
      row.tokens = &tokens_;
    }
    return rows;
  }
  std::vector<int32_t> tokens_ = {5, 6, 7};
  Sampler sampler_{1000, {2}};
};

TEST_F(SamplerTest, GreedyShortcutEqualsFullPath) {
  at::manual_seed(3);
  at::Tensor logits = at::randn({6, 1000}) * 4;
  SamplingOptions greedy;
  greedy.temperature = 0;
  const auto rows = Rows(6, greedy);
  const auto full = sampler_.Sample(logits, rows);
  const auto fast = sampler_.Sample(logits, rows, GreedyOf(logits));
  ASSERT_EQ(full.size(), fast.size());
  for (size_t r = 0; r < full.size(); ++r) {
    EXPECT_EQ(fast[r].id, full[r].id) << r;
    EXPECT_NEAR(fast[r].logprob, full[r].logprob, 1e-5) << r;
  }
}

// A deliberately wrong greedy tensor shows which path ran: rows that need processors or report top
// logprobs must ignore it.
TEST_F(SamplerTest, RowsThatNeedMoreIgnoreTheShortcut) {
  at::manual_seed(4);
  at::Tensor logits = at::randn({3, 1000}) * 4;
  at::Tensor wrong = at::stack({at::full({3}, 999.0), at::zeros({3})}, 1);
  const at::Tensor argmax = logits.argmax(-1);
  SamplingOptions greedy;
  greedy.temperature = 0;
  auto plain = Rows(3, greedy);
  for (const auto& t : sampler_.Sample(logits, plain, wrong)) EXPECT_EQ(t.id, 999);  // the shortcut ran

  auto with_top = Rows(3, greedy);
  with_top[1].top_logprobs = 2;
  auto suppressed = Rows(3, greedy);
  suppressed[0].suppress_stop_tokens = true;
  SamplingOptions biased = greedy;
  biased.logit_bias = {{7, 1.0f}};
  SamplingOptions penalized = greedy;
  penalized.repetition_penalty = 1.3f;
  for (const auto& rows : {with_top, suppressed, Rows(3, biased), Rows(3, penalized)}) {
    const auto out = sampler_.Sample(logits, rows, wrong);
    for (const auto& t : out) EXPECT_NE(t.id, 999);
  }
  const auto out = sampler_.Sample(logits, with_top, wrong);
  for (int64_t r = 0; r < 3; ++r) EXPECT_EQ(out[r].id, argmax[r].item<int64_t>());
}

// Penalties over history + pending token equal penalties over the history with that token appended; rows
// without a pending token (pending_row -1) are unaffected by the pending ids.
TEST_F(SamplerTest, PenaltiesCountThePendingToken) {
  at::manual_seed(5);
  const at::Tensor logits = at::randn({3, 1000}) * 4;
  SamplingOptions options;
  options.repetition_penalty = 1.5f;
  options.frequency_penalty = 0.8f;
  options.presence_penalty = 0.3f;
  const std::vector<int32_t> prompt_and_output = {5, 6, 7, 8};
  std::vector<std::vector<int32_t>> appended = {{5, 6, 7, 8, 41}, {5, 6, 7, 8, 7}, {5, 6, 7, 8}};
  std::vector<SamplingRow> pending_rows(3), full_rows(3);
  for (int r = 0; r < 3; ++r) {
    for (auto* row : {&pending_rows[r], &full_rows[r]}) {
      row->options = &options;
      row->num_prompt_tokens = 2;
    }
    pending_rows[r].tokens = &prompt_and_output;
    full_rows[r].tokens = &appended[r];
  }
  // The previous step's ids: rows 0 and 1 take 41 and 7 from rows 2 and 0 of it; row 2 has no pending token.
  const at::Tensor pending_ids = at::tensor(std::vector<int64_t>{7, 999, 41}, at::kLong);
  pending_rows[0].pending_row = 2;
  pending_rows[1].pending_row = 0;
  const at::Tensor got = sampler_.ApplyPenalties(logits.clone(), pending_rows, pending_ids);
  const at::Tensor want = sampler_.ApplyPenalties(logits.clone(), full_rows);
  EXPECT_TRUE(at::allclose(got, want)) << (got - want).abs().max().item<float>();
  // The pending token moved the logits (so the comparison above can fail).
  EXPECT_FALSE(at::allclose(got, sampler_.ApplyPenalties(logits.clone(), pending_rows)));
  EXPECT_NE(got[0][41].item<float>(), logits[0][41].item<float>());
}

}  // namespace
}  // namespace basalt::engine
