// Randomly generated (seeded, reproducible) snippets from generate_cases.py: the engine must agree with
// Python jinja2 on each, output or failure.
#include <cstdio>
#include <string>

#include "common/json/json.h"
#include "gtest/gtest.h"
#include "tests/common/chat/reference_render.h"

namespace basalt::chat::testing {
namespace {

std::vector<RenderCase> GeneratedCases(int seed, int count) {
  std::string command = std::string("\"") + BASALT_PYTHON3 + "\" \"" + BASALT_CHAT_GENERATOR_SCRIPT + "\" " +
                        std::to_string(seed) + " " + std::to_string(count);
  std::string text;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buf[65536];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;) text.append(buf, n);
    pclose(pipe);
  }
  auto doc = json::Parse(text);
  std::vector<RenderCase> cases;
  if (!doc.ok() || !doc->IsArray()) {
    ADD_FAILURE() << "case generator failed: " << command;
    return cases;
  }
  for (const auto& item : doc->GetArray()) {
    cases.push_back({item["name"].GetString(), item["template"].GetString(), json::Serialize(item["context"])});
  }
  return cases;
}

class GeneratedTest : public ::testing::TestWithParam<int> {};

TEST_P(GeneratedTest, MatchesPythonJinja2) {
  std::vector<RenderCase> cases = GeneratedCases(GetParam(), 400);
  ASSERT_EQ(cases.size(), 400u);
  ExpectMatchesPython(cases);
}

INSTANTIATE_TEST_SUITE_P(Seeds, GeneratedTest, ::testing::Range(1, 11));

}  // namespace
}  // namespace basalt::chat::testing
