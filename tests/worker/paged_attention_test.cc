// The varlen prefill layout (AddPrefillLayout) the model runner builds for a step's prompt chunks.
#include <gtest/gtest.h>

#include <vector>

#include "worker/model/paged_attention.h"

namespace basalt::model {
namespace {

AttentionBatch Batch(const std::vector<std::pair<int, int>>& chunks, int block_size) {
  AttentionBatch batch;
  batch.query_start.push_back(0);
  int next_block = 100;
  for (auto [n, context] : chunks) {
    std::vector<int32_t> table;
    for (int b = 0; b < (context + block_size - 1) / block_size; ++b) table.push_back(next_block--);
    batch.block_tables.push_back(table);
    batch.context_lens.push_back(context);
    batch.query_start.push_back(batch.query_start.back() + n);
  }
  return batch;
}

std::vector<int64_t> Values(const at::Tensor& t) {
  at::Tensor c = t.to(at::kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}

TEST(PrefillLayoutTest, CoversTheChunksAfterTheLeadingDecodes) {
  const int block_size = 4;
  // Two decodes, a whole prompt of 5, a chunk of 2 continuing a context of 6, then a 1-token chunk that
  // is a prompt's last token (after a prefill chunk it counts as prefill).
  AttentionBatch batch = Batch({{1, 9}, {1, 3}, {5, 5}, {2, 6}, {1, 2}}, block_size);
  AddPrefillLayout(batch, block_size, at::kCPU);
  EXPECT_EQ(batch.prefill_first, 2);
  EXPECT_EQ(Values(batch.prefill_cu_q), (std::vector<int64_t>{0, 5, 7, 8}));
  EXPECT_EQ(Values(batch.prefill_cu_k), (std::vector<int64_t>{0, 5, 11, 13}));
  EXPECT_EQ(batch.prefill_max_q, 5);
  EXPECT_EQ(batch.prefill_max_k, 6);
  EXPECT_EQ(batch.prefill_cu_q.scalar_type(), at::kInt);
  // Slots block * block_size + offset, through each sequence's block table (blocks are handed out from
  // 100 down: sequences 0 and 1 hold 100-97): sequence 2 has {96, 95}, sequence 3 {94, 93}, sequence 4 {92}.
  const std::vector<int64_t> slots = Values(batch.prefill_context_slots);
  const std::vector<int64_t> expected = {384, 385, 386, 387, 380,            // 96 * 4 + 0..3, 95 * 4 + 0
                                         376, 377, 378, 379, 372, 373,       // 94 * 4 + 0..3, 93 * 4 + 0..1
                                         368, 369};                          // 92 * 4 + 0..1
  EXPECT_EQ(slots, expected);
}

TEST(PrefillLayoutTest, NothingWhenEverySequenceDecodes) {
  AttentionBatch batch = Batch({{1, 9}, {1, 3}}, 4);
  AddPrefillLayout(batch, 4, at::kCPU);
  EXPECT_EQ(batch.prefill_first, 2);
  EXPECT_FALSE(batch.prefill_cu_q.defined());
}

}  // namespace
}  // namespace basalt::model
