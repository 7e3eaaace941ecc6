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

// Offsets from `from` on (at most 12), for failure messages.
std::string JoinOffsets(const std::vector<std::pair<uint32_t, uint32_t>>& v, size_t from) {
  std::ostringstream out;
  out << "[" << from << "] ";
  for (size_t i = from; i < v.size() && i < from + 12; ++i) out << v[i].first << "-" << v[i].second << " ";
  return out.str();
}

// The reference gives character offsets, converted from its byte offsets the way the Rust crate's
// BytesToCharOffsetConverter does (a byte inside a character maps to that character); convert ours
// the same way.
std::vector<std::pair<uint32_t, uint32_t>> ToCharOffsets(const std::string& text,
                                                         const std::vector<std::pair<uint32_t, uint32_t>>& bytes) {
  std::vector<int64_t> char_of(text.size(), -1);
  uint32_t index = 0;
  for (size_t i = 0; i < text.size(); ++index) {
    size_t len = 1;
    unsigned char b = static_cast<unsigned char>(text[i]);
    if (b >= 0xF0) len = 4;
    else if (b >= 0xE0) len = 3;
    else if (b >= 0xC0) len = 2;
    for (size_t k = 0; k < len && i + k < text.size(); ++k) char_of[i + k] = index;
    i += len;
  }
  // The end of the text is a position too (the reference trims after converting, so it can land there).
  auto at = [&](uint32_t byte) -> int64_t {
    if (byte == char_of.size()) return index;
    return byte < char_of.size() ? char_of[byte] : -1;
  };
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (const auto& [start, end] : bytes) {
    int64_t s = at(start), e = at(end);
    if (s >= 0 && e >= 0) {
      out.emplace_back(static_cast<uint32_t>(s), static_cast<uint32_t>(e));
    } else if (s >= 0) {
      int64_t last = end > 0 ? at(end - 1) : -1;
      out.emplace_back(static_cast<uint32_t>(s), static_cast<uint32_t>((last >= 0 ? last : s) + 1));
    } else {
      out.emplace_back(start, end);
    }
  }
  return out;
}

// Failure messages show at most this much of a long input.
std::string Short(const std::string& text) {
  std::string e = Escape(text);
  return e.size() > 160 ? e.substr(0, 160) + "..." : e;
}

TEST_P(GoldenTest, EncodeMatchesReference) {
  size_t agree = 0;
  for (const GoldenLine& g : lines_) {
    auto encoding = tokenizer_->Encode(g.text, g.add_special_tokens);
    ASSERT_TRUE(encoding.ok()) << encoding.status() << " for \"" << Short(g.text) << "\"";
    bool same = encoding->ids == g.ids;
    EXPECT_TRUE(same) << "text \"" << Short(g.text) << "\" add_special_tokens=" << g.add_special_tokens
                      << "\n  got      " << Join(encoding->ids) << "\n  expected " << Join(g.ids);
    if (!g.tokens.empty() || g.ids.empty()) {
      EXPECT_EQ(encoding->tokens, g.tokens) << "text \"" << Short(g.text) << "\"";
    }
    if (g.offsets && same) {
      std::vector<std::pair<uint32_t, uint32_t>> got = ToCharOffsets(g.text, encoding->offsets);
      size_t diff = 0;
      while (diff < got.size() && diff < g.offsets->size() && got[diff] == (*g.offsets)[diff]) ++diff;
      if (diff < std::max(got.size(), g.offsets->size())) {
        ADD_FAILURE() << "offsets of \"" << Short(g.text) << "\" differ\n  got      " << JoinOffsets(got, diff)
                      << "\n  expected " << JoinOffsets(*g.offsets, diff);
      }
    }
    agree += same;
  }
  RecordProperty("lines", static_cast<int>(lines_.size()));
  RecordProperty("agree", static_cast<int>(agree));
  std::printf("[ ids agree ] %s: %zu/%zu\n", GetParam().name.c_str(), agree, lines_.size());
}

TEST_P(GoldenTest, DecodeMatchesReference) {
  for (const GoldenLine& g : lines_) {
    EXPECT_EQ(tokenizer_->Decode(g.ids, false), g.decoded) << "ids of \"" << Short(g.text) << "\"";
    EXPECT_EQ(tokenizer_->Decode(g.ids, true), g.decoded_skip) << "ids of \"" << Short(g.text) << "\" (skip)";
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
            << "streamed text is not a prefix of the decode after " << k + 1 << " ids of \"" << Short(g.text)
            << "\"\n  streamed " << Escape(streamed) << "\n  decode   " << Escape(prefix);
        // Finishing here must give exactly the decode of this prefix.
        if (g.ids.size() <= 64 || k % 16 == 0) {
          StreamingDecoder replay(*tokenizer_, skip);
          std::string text;
          for (size_t j = 0; j <= k; ++j) text += replay.Add(g.ids[j]);
          text += replay.Finish();
          ASSERT_EQ(text, prefix) << "prefix of " << k + 1 << " ids of \"" << Short(g.text) << "\"";
        }
      }
      streamed += stream.Finish();
      EXPECT_EQ(streamed, tokenizer_->Decode(g.ids, skip)) << "\"" << Short(g.text) << "\" skip=" << skip;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, GoldenTest, ::testing::ValuesIn(AllGoldenSources()),
                         [](const ::testing::TestParamInfo<GoldenSource>& info) { return info.param.name; });

}  // namespace
}  // namespace basalt::tokenizer::testing
