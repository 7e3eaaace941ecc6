// Pieces the golden tests cannot isolate: the Oniguruma-to-PCRE2 shim, match iteration, UTF-8
// helpers, the Precompiled charsmap parser, tokenizer_config.json, and load errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "common/fs/read_file.h"
#include "common/tokenizer/precompiled_charsmap.h"
#include "common/tokenizer/regex.h"
#include "common/tokenizer/tokenizer.h"
#include "common/tokenizer/unicode.h"
#include "tests/common/tokenizer/test_util.h"

namespace basalt::tokenizer::testing {
namespace {

std::vector<std::pair<size_t, size_t>> Matches(std::string_view pattern, std::string_view text) {
  auto re = Regex::Compile(pattern);
  EXPECT_TRUE(re.ok()) << re.status();
  std::vector<std::pair<size_t, size_t>> out;
  if (re.ok()) {
    EXPECT_TRUE((*re)->FindAll(text, out).ok());
  }
  return out;
}

using Ranges = std::vector<std::pair<size_t, size_t>>;

TEST(Regex, OnigurumaClassesMeanWhatTheyMeanInOniguruma) {
  // \s is White_Space: U+180E (Mongolian vowel separator) is not, U+0085 is.
  EXPECT_EQ(Matches("\\s", "\xE1\xA0\x8E"), Ranges{});
  EXPECT_EQ(Matches("\\s", "\xC2\x85"), (Ranges{{0, 2}}));
  // \w includes combining marks and connector punctuation, not No/Nl beyond Oniguruma's set.
  EXPECT_EQ(Matches("\\w+", "e\xCC\x81_x"), (Ranges{{0, 5}}));
  EXPECT_EQ(Matches("[^\\s\\w]+", "a \xE2\x80\xBF!"), (Ranges{{5, 6}}));  // U+203F is Pc (a word char)
  // \h is a hex digit in Oniguruma (horizontal space in PCRE2).
  EXPECT_EQ(Matches("\\h+", "zz0fAz"), (Ranges{{2, 5}}));
  // Line anchors.
  EXPECT_EQ(Matches("^a", "a\na"), (Ranges{{0, 1}, {2, 3}}));
  // Tokenizer-file features pass through: \p{..}, (?i:..), possessive, lookahead.
  EXPECT_EQ(Matches("(?i:'s|'t)|\\p{L}++|\\s+(?!\\S)", "IT'S  ok"), (Ranges{{0, 2}, {2, 4}, {4, 5}, {6, 8}}));
  EXPECT_EQ(Matches("(?i:'s)", "'\xC5\xBF"), (Ranges{{0, 3}}));  // long s folds to s
}

TEST(Regex, TranslationLeavesClassesAndQuotesIntact) {
  EXPECT_EQ(TranslateOnigurumaPattern("[\\s\\p{L}]"), "[\\p{White_Space}\\p{L}]");
  EXPECT_EQ(TranslateOnigurumaPattern("\\Q\\s\\E"), "\\Q\\s\\E");
  EXPECT_EQ(TranslateOnigurumaPattern("[]\\s]"), "[]\\p{White_Space}]");
  EXPECT_EQ(TranslateOnigurumaPattern("[[:alpha:]\\d]"), "[[:alpha:]\\d]");
}

TEST(Regex, EmptyMatchesFollowOnigurumaIteration) {
  // An empty match right after a match is skipped; elsewhere empty matches are reported.
  EXPECT_EQ(Matches("a*", "baa"), (Ranges{{0, 0}, {1, 3}}));
  EXPECT_EQ(Matches("", "ab"), (Ranges{{0, 0}, {1, 1}, {2, 2}}));
  EXPECT_EQ(Matches("x*", "é"), (Ranges{{0, 0}, {2, 2}}));  // steps a whole character
}

TEST(Regex, BadPatternIsAnError) {
  auto re = Regex::Compile("(unclosed");
  ASSERT_FALSE(re.ok());
  EXPECT_NE(std::string(re.status().message()).find("(unclosed"), std::string::npos);
}

TEST(Unicode, LossyDecodingReplacesMaximalSubparts) {
  EXPECT_EQ(Utf8Lossy("a\xF0\x9F\x98"), "a\xEF\xBF\xBD");                          // truncated: one U+FFFD
  EXPECT_EQ(Utf8Lossy("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");                      // two bad bytes
  EXPECT_EQ(Utf8Lossy("\xE2\x82x"), "\xEF\xBF\xBDx");                                // broken 3-byte sequence
  EXPECT_EQ(Utf8Lossy("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");      // surrogate: 3 subparts
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
}

TEST(Unicode, CharacterClassesFollowRust) {
  EXPECT_TRUE(IsWhitespace(0x3000));
  EXPECT_FALSE(IsWhitespace(0x200B));
  EXPECT_TRUE(IsNumeric(0x2167));      // Ⅷ (Nl)
  EXPECT_TRUE(IsPunctuation(0x3002));  // 。
  EXPECT_FALSE(IsPunctuation('$'));
  EXPECT_TRUE(IsAsciiPunctuation('$'));
  EXPECT_TRUE(IsOther(0x200B));   // Cf
  EXPECT_FALSE(IsOther(0xFDD0));  // noncharacter (Cn): not "other" for unicode_categories
  std::u32string lower;
  AppendLowercase(lower, 0x130);  // İ -> i + combining dot
  EXPECT_EQ(lower, U"i\u0307");
  EXPECT_EQ(CharToByte(ByteToChar()[' ']), ' ');
  EXPECT_EQ(ByteToChar()[' '], U'Ġ');
}

TEST(PrecompiledCharsmap, MalformedBlobsAreErrorsNotCrashes) {
  EXPECT_FALSE(PrecompiledCharsmap::FromBase64("!!!").ok());
  EXPECT_FALSE(PrecompiledCharsmap::FromBlob(std::string("\x01\x00", 2)).ok());
  EXPECT_FALSE(PrecompiledCharsmap::FromBlob(std::string("\xFF\x00\x00\x00", 4)).ok());
  // A trie whose offsets point outside the array must not be followed.
  std::string blob("\x08\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 12);
  auto charsmap = PrecompiledCharsmap::FromBlob(blob);
  ASSERT_TRUE(charsmap.ok());
  EXPECT_EQ(charsmap->Transform("abc"), std::nullopt);
}

TEST(PrecompiledCharsmap, RealCharsmapNormalizes) {
  // The Unigram fixture carries T5's nmt_nfkc charsmap.
  std::string error;
  const Tokenizer* t = LoadTokenizerCached(SourceDir() + "/tests/fixtures/tokenizers/unigram", &error);
  ASSERT_NE(t, nullptr) << error;
  auto fullwidth = t->Encode("ＡＢＣ", false);
  auto ascii = t->Encode("ABC", false);
  ASSERT_TRUE(fullwidth.ok() && ascii.ok());
  EXPECT_EQ(fullwidth->ids, ascii->ids);
}

std::string TinyTokenizerJson(const std::string& model) {
  return R"({"version":"1.0","added_tokens":[{"id":3,"content":"<s>","special":true,"normalized":false}],
             "normalizer":null,"pre_tokenizer":{"type":"WhitespaceSplit"},"post_processor":null,"decoder":null,
             "model":)" + model + "}";
}

TEST(TokenizerConfig, ReadsSpecialTokensTemplatesAndLimits) {
  std::string config = R"({
    "bos_token": {"__type": "AddedToken", "content": "<s>", "normalized": false},
    "eos_token": "</s>", "unk_token": "<unk>", "pad_token": null,
    "clean_up_tokenization_spaces": true,
    "model_max_length": 1000000000000000019884624838656,
    "chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]})";
  auto t = Tokenizer::FromJson(
      TinyTokenizerJson(R"({"type":"WordLevel","vocab":{"<unk>":0,"a":1,"</s>":2},"unk_token":"<unk>"})"), config);
  ASSERT_TRUE(t.ok()) << t.status();
  const TokenizerConfig& c = (*t)->config();
  EXPECT_EQ(c.bos_token, "<s>");
  EXPECT_EQ(c.eos_token, "</s>");
  EXPECT_EQ(c.unk_token, "<unk>");
  EXPECT_EQ(c.pad_token, std::nullopt);
  EXPECT_TRUE(c.clean_up_tokenization_spaces);
  EXPECT_EQ(c.model_max_length, std::nullopt);
  EXPECT_EQ(c.chat_template, "D");
  EXPECT_EQ(c.named_chat_templates.at("tool_use"), "T");
  // "</s>" is a special token of the config but not an added token of the file: transformers adds it.
  EXPECT_TRUE((*t)->IsSpecial(2));
  EXPECT_EQ((*t)->Encode("a </s>", false)->ids, (std::vector<int32_t>{1, 2}));
}

TEST(TokenizerConfig, LlamaClassRebuildsBosEos) {
  std::string model = R"({"type":"WordLevel","vocab":{"<unk>":0,"a":1,"</s>":2},"unk_token":"<unk>"})";
  auto t = Tokenizer::FromJson(TinyTokenizerJson(model),
                               R"({"tokenizer_class":"LlamaTokenizer","bos_token":"<s>","eos_token":"</s>","add_eos_token":true})");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->Encode("a")->ids, (std::vector<int32_t>{3, 1, 2}));
  EXPECT_EQ((*t)->Encode("a", false)->ids, (std::vector<int32_t>{1}));
}

TEST(TokenizerConfig, SplitSpecialTokensEncodesThemAsText) {
  std::string model = R"({"type":"WordLevel","vocab":{"<unk>":0,"a":1,"<s>":2},"unk_token":"<unk>"})";
  auto plain = Tokenizer::FromJson(TinyTokenizerJson(model), "");
  auto split = Tokenizer::FromJson(TinyTokenizerJson(model), R"({"split_special_tokens": true})");
  ASSERT_TRUE(plain.ok() && split.ok());
  // The added token takes the id the vocabulary already gives "<s>" (as the crate's add_tokens does).
  EXPECT_EQ((*plain)->Encode("a<s>", false)->ids, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ((*split)->Encode("a<s>", false)->ids, (std::vector<int32_t>{0}));     // "a<s>" is one unknown word
  EXPECT_EQ((*split)->Encode("a <s>", false)->ids, (std::vector<int32_t>{1, 2}));  // the vocabulary entry
}

TEST(TokenizerConfig, ChatTemplateFileOverrides) {
  std::string dir = ::testing::TempDir() + "/tok_dir";
  std::string mk = "mkdir -p " + dir;
  ASSERT_EQ(std::system(mk.c_str()), 0);
  std::ofstream(dir + "/tokenizer.json")
      << TinyTokenizerJson(R"({"type":"WordLevel","vocab":{"<unk>":0,"a":1},"unk_token":"<unk>"})");
  std::ofstream(dir + "/tokenizer_config.json") << R"({"chat_template": "from config"})";
  std::ofstream(dir + "/chat_template.jinja") << "from file";
  auto t = Tokenizer::FromDirectory(dir);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->config().chat_template, "from file");
}

TEST(Loading, ErrorsNameTheProblem) {
  auto expect_error = [](const std::string& json, std::string_view needle) {
    auto t = Tokenizer::FromJson(json, "");
    ASSERT_FALSE(t.ok()) << "loaded: " << json.substr(0, 80);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(t.status().message()).find(needle), std::string::npos) << t.status().message();
  };
  expect_error("{not json", "invalid JSON");
  expect_error("[]", "JSON object");
  expect_error(R"({"model": {"type": "Magic"}})", "Magic");
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "not in the vocabulary");
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a"]}})", "is not \"a b\"");
  expect_error(TinyTokenizerJson(R"({"type":"Unigram","vocab":[["a", "x"]]})"), "Unigram");
  expect_error(R"({"model": {"type": "WordLevel", "vocab": {}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "("}, "behavior": "Isolated", "invert": false}})",
               "bad regex");
  expect_error(R"({"model": {"type": "WordLevel", "vocab": {}}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "AAA"}})",
               "Precompiled");
  expect_error(R"({"model": {"type": "WordLevel", "vocab": {}}, "decoder": {"type": "Nope"}})", "Nope");
  auto missing = Tokenizer::FromDirectory("/nonexistent/dir");
  EXPECT_FALSE(missing.ok());
}

TEST(Loading, MergesInBothForms) {
  std::string vocab = R"({"a":0,"b":1,"ab":2})";
  for (std::string merges : {std::string(R"(["a b"])"), std::string(R"([["a", "b"]])")}) {
    auto t = Tokenizer::FromJson(R"({"model":{"type":"BPE","vocab":)" + vocab + R"(,"merges":)" + merges + "}}", "");
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ((*t)->Encode("ab", false)->ids, (std::vector<int32_t>{2}));
  }
}

}  // namespace
}  // namespace basalt::tokenizer::testing
