// Agreement with the reference encodings: ids, tokens, offsets and both decodes, line by line.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/common/tokenizer/test_util.h"

namespace basalt::tokenizer::testing {
namespace {

class GoldenTest : public ::testing::TestWithParam<GoldenSource> {
 protected:
  void SetUp() override {
    std::string error;
    lines_ = ReadGoldens(GetParam().golden_path, &error);
    ASSERT_FALSE(lines_.empty()) << error;
    tokenizer_ = LoadTokenizerCached(GetParam().tokenizer_dir, &error);
    ASSERT_NE(tokenizer_, nullptr) << error;
  }
  std::vector<GoldenLine> lines_;
  const Tokenizer* tokenizer_ = nullptr;
};

template <typename T>
std::string Join(const std::vector<T>& v) {
  std::ostringstream out;
  for (size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i];
  return out.str();
}

TEST_P(GoldenTest, EncodeMatchesReference) {
  size_t agree = 0;
  for (const GoldenLine& g : lines_) {
    auto encoding = tokenizer_->Encode(g.text, g.add_special_tokens);
    ASSERT_TRUE(encoding.ok()) << encoding.status() << " for \"" << Escape(g.text) << "\"";
    bool same = encoding->ids == g.ids;
    EXPECT_TRUE(same) << "text \"" << Escape(g.text) << "\" add_special_tokens=" << g.add_special_tokens
                      << "\n  got      " << Join(encoding->ids) << "\n  expected " << Join(g.ids);
    if (!g.tokens.empty() || g.ids.empty()) {
      EXPECT_EQ(encoding->tokens, g.tokens) << "text \"" << Escape(g.text) << "\"";
    }
    if (g.offsets && same) {
      std::vector<std::pair<uint32_t, uint32_t>> got(encoding->offsets.begin(), encoding->offsets.end());
      EXPECT_EQ(got, *g.offsets) << "offsets of \"" << Escape(g.text) << "\"";
    }
    agree += same;
  }
  RecordProperty("lines", static_cast<int>(lines_.size()));
  RecordProperty("agree", static_cast<int>(agree));
  std::printf("[ ids agree ] %s: %zu/%zu\n", GetParam().name.c_str(), agree, lines_.size());
}

TEST_P(GoldenTest, DecodeMatchesReference) {
  for (const GoldenLine& g : lines_) {
    EXPECT_EQ(tokenizer_->Decode(g.ids, false), g.decoded) << "ids of \"" << Escape(g.text) << "\"";
    EXPECT_EQ(tokenizer_->Decode(g.ids, true), g.decoded_skip) << "ids of \"" << Escape(g.text) << "\" (skip)";
  }
}

// Every prefix of every golden id sequence, streamed: the deltas concatenate to the full decode.
TEST_P(GoldenTest, StreamingMatchesDecode) {
  for (const GoldenLine& g : lines_) {
    for (bool skip : {false, true}) {
      StreamingDecoder stream(*tokenizer_, skip);
      std::string streamed;
      for (size_t k = 0; k < g.ids.size(); ++k) {
        streamed += stream.Add(g.ids[k]);
        std::string prefix = tokenizer_->Decode(absl::MakeConstSpan(g.ids.data(), k + 1), skip);
        ASSERT_EQ(prefix.compare(0, streamed.size(), streamed), 0)
            << "streamed text is not a prefix of the decode after " << k + 1 << " ids of \"" << Escape(g.text)
            << "\"\n  streamed " << Escape(streamed) << "\n  decode   " << Escape(prefix);
        // Finishing here must give exactly the decode of this prefix.
        if (g.ids.size() <= 64 || k % 16 == 0) {
          StreamingDecoder replay(*tokenizer_, skip);
          std::string text;
          for (size_t j = 0; j <= k; ++j) text += replay.Add(g.ids[j]);
          text += replay.Finish();
          ASSERT_EQ(text, prefix) << "prefix of " << k + 1 << " ids of \"" << Escape(g.text) << "\"";
        }
      }
      streamed += stream.Finish();
      EXPECT_EQ(streamed, tokenizer_->Decode(g.ids, skip)) << "\"" << Escape(g.text) << "\" skip=" << skip;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, GoldenTest, ::testing::ValuesIn(AllGoldenSources()),
                         [](const ::testing::TestParamInfo<GoldenSource>& info) { return info.param.name; });

}  // namespace
}  // namespace basalt::tokenizer::testing
