// Text output: incremental decoding, stop strings (also split across tokens) with hold-back, EOS,
// min_tokens and length limits, using a real byte-level BPE tokenizer.
#include "worker/engine/output_processor.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/tokenizer/tokenizer.h"

namespace basalt::engine {
namespace {

constexpr int32_t kEos = 1;

class OutputProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tok = tokenizer::Tokenizer::FromDirectory(BASALT_FIXTURES_DIR "/tokenizers/bytelevel-bpe");
    ASSERT_TRUE(tok.ok()) << tok.status();
    tokenizer_ = std::move(*tok);
    processor_ = std::make_unique<OutputProcessor>(*tokenizer_, std::vector<int32_t>{kEos}, 512);
  }

  Sequence* Start(StopOptions stop, int max_tokens = 100) {
    request_.request.params.stopping = std::move(stop);
    request_.max_tokens = max_tokens;
    seq_.request = &request_;
    seq_.tokens = tokenizer_->Encode("Once upon a time").value().ids;
    seq_.num_prompt_tokens = static_cast<int>(seq_.tokens.size());
    processor_->Init(&seq_);
    return &seq_;
  }

  // Feeds the tokens of `text` one by one; returns what was reported and the finish reason.
  std::pair<std::string, FinishReason> Feed(Sequence* seq, const std::string& text, bool add_eos = false) {
    std::vector<int32_t> ids = tokenizer_->Encode(text, false).value().ids;
    if (add_eos) ids.push_back(kEos);
    std::string reported;
    FinishReason finish = FinishReason::kNone;
    for (int32_t id : ids) {
      seq->tokens.push_back(id);
      OutputToken token;
      token.id = id;
      finish = processor_->OnToken(seq, token);
      if (finish != FinishReason::kNone) seq->finish_reason = finish;
      if (auto delta = processor_->TakeDelta(seq, 0)) reported += delta->text;
      if (finish != FinishReason::kNone) break;
    }
    return {reported, finish};
  }

  std::unique_ptr<tokenizer::Tokenizer> tokenizer_;
  std::unique_ptr<OutputProcessor> processor_;
  RequestState request_;
  Sequence seq_;
};

TEST(StopStringHoldBackTest, HoldsBackOnlyPossibleStarts) {
  EXPECT_EQ(StopStringHoldBack("hello wor", {"world"}), 3u);
  EXPECT_EQ(StopStringHoldBack("hello", {"world"}), 0u);
  EXPECT_EQ(StopStringHoldBack("abc", {"c", "bcd"}), 2u);
  EXPECT_EQ(StopStringHoldBack("", {"x"}), 0u);
  EXPECT_EQ(StopStringHoldBack("aaa", {"aaaa"}), 3u);
  EXPECT_EQ(StopStringHoldBack("xyz\n", {"\n\n"}), 1u);
}

TEST_F(OutputProcessorTest, PlainTextIsReportedInFull) {
  Sequence* seq = Start({});
  auto [text, finish] = Feed(seq, " there was a whale.", /*add_eos=*/true);
  EXPECT_EQ(text, " there was a whale.");
  EXPECT_EQ(finish, FinishReason::kEos);
}

TEST_F(OutputProcessorTest, StopStringAcrossTokensIsCutAndNeverLeaks) {
  Sequence* seq = Start({.stop = {"whale"}});
  auto [text, finish] = Feed(seq, " there was a whale that swam");
  EXPECT_EQ(text, " there was a ");
  EXPECT_EQ(finish, FinishReason::kStopString);
  EXPECT_EQ(seq->stop_string, "whale");
}

TEST_F(OutputProcessorTest, PartialStopPrefixIsReleasedWhenItDoesNotMatch) {
  Sequence* seq = Start({.stop = {"whale song"}}, /*max_tokens=*/100);
  auto [text, finish] = Feed(seq, " a whale swam", /*add_eos=*/true);
  EXPECT_EQ(text, " a whale swam");
  EXPECT_EQ(finish, FinishReason::kEos);
}

TEST_F(OutputProcessorTest, MinTokensSuppressesStopConditions) {
  Sequence* seq = Start({.min_tokens = 50, .stop = {"a"}}, /*max_tokens=*/60);
  auto [text, finish] = Feed(seq, " a b a", /*add_eos=*/true);
  EXPECT_EQ(finish, FinishReason::kNone);  // EOS and "a" do not stop before 50 tokens
}

TEST_F(OutputProcessorTest, LengthLimitFinishes) {
  Sequence* seq = Start({}, /*max_tokens=*/3);
  auto [text, finish] = Feed(seq, " one two three four five six");
  EXPECT_EQ(finish, FinishReason::kLength);
  EXPECT_EQ(seq->num_output_tokens(), 3);
  EXPECT_FALSE(text.empty());
}

TEST_F(OutputProcessorTest, MultiByteCharactersAreNeverSplit) {
  Sequence* seq = Start({});
  std::string reported;
  // Emoji and CJK become several byte-level tokens each.
  std::vector<int32_t> ids = tokenizer_->Encode(" 👨‍👩‍👧 日本語", false).value().ids;
  for (int32_t id : ids) {
    seq->tokens.push_back(id);
    OutputToken token;
    token.id = id;
    processor_->OnToken(seq, token);
    if (auto delta = processor_->TakeDelta(seq, 0)) {
      EXPECT_EQ(delta->text.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD in a delta";
      reported += delta->text;
    }
  }
  EXPECT_EQ(reported, " 👨‍👩‍👧 日本語");
}

}  // namespace
}  // namespace basalt::engine
