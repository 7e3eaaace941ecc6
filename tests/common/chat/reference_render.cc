#include "tests/common/chat/reference_render.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/chat/chat_template.h"
#include "common/json/json.h"
#include "gtest/gtest.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace basalt::chat::testing {
namespace {

std::string TempPath(const char* suffix) {
  std::string path = ::testing::TempDir() + "chat_cases_XXXXXX";
  std::vector<char> buf(path.begin(), path.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());
  if (fd >= 0) close(fd);
  return std::string(buf.data()) + suffix;
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

// [{"template": ..., "context": ...}] for the reference scripts.
std::string CasesJson(const std::vector<RenderCase>& cases) {
  rapidjson::Document doc(rapidjson::kArrayType);
  auto& alloc = doc.GetAllocator();
  for (const RenderCase& c : cases) {
    rapidjson::Value item(rapidjson::kObjectType);
    item.AddMember("template", rapidjson::Value(c.source.data(), c.source.size(), alloc), alloc);
    auto context = json::Parse(c.context_json);
    EXPECT_TRUE(context.ok()) << c.name << ": bad context JSON: " << context.status();
    rapidjson::Value ctx;
    if (context.ok()) ctx.CopyFrom(*context, alloc);
    item.AddMember("context", ctx, alloc);
    doc.PushBack(item, alloc);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::vector<RenderResult> RunBatch(const std::string& interpreter, const std::string& script,
                                   const std::vector<RenderCase>& cases) {
  std::vector<RenderResult> results;
  if (interpreter.empty()) {
    ADD_FAILURE() << "no interpreter found at configure time for " << script;
    return std::vector<RenderResult>(cases.size());
  }
  std::string input = TempPath(".json");
  std::string output = TempPath(".out");
  WriteFile(input, CasesJson(cases));
  std::string command = "\"" + interpreter + "\" \"" + script + "\" \"" + input + "\" > \"" + output + "\"";
  int rc = std::system(command.c_str());
  std::string text = ReadTestFile(output);
  std::remove(input.c_str());
  std::remove(output.c_str());
  auto doc = json::Parse(text);
  if (rc != 0 || !doc.ok() || !doc->IsArray() || doc->Size() != cases.size()) {
    ADD_FAILURE() << "reference renderer failed: " << command << " (exit " << rc << ")";
    return std::vector<RenderResult>(cases.size());
  }
  for (const auto& item : doc->GetArray()) {
    RenderResult r;
    r.ok = item["ok"].GetBool();
    const auto& value = r.ok ? item["output"] : item["error"];
    r.text.assign(value.GetString(), value.GetStringLength());
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace

std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ChatTemplateFixtureDir() { return BASALT_CHAT_TEMPLATE_DIR; }

RenderResult RenderWithEngine(const RenderCase& c) {
  auto context = json::Parse(c.context_json);
  if (!context.ok()) return {false, std::string(context.status().message())};
  auto tmpl = ChatTemplate::Compile(c.source);
  if (!tmpl.ok()) return {false, std::string(tmpl.status().message())};
  auto out = (*tmpl)->Render(*context);
  if (!out.ok()) return {false, std::string(out.status().message())};
  return {true, *out};
}

std::vector<RenderResult> RenderWithPython(const std::vector<RenderCase>& cases) {
  return RunBatch(BASALT_PYTHON3, BASALT_CHAT_REFERENCE_SCRIPT, cases);
}

std::vector<RenderResult> RenderWithHfJinja(const std::vector<RenderCase>& cases) {
  return RunBatch(BASALT_NODE, BASALT_CHAT_HF_JINJA_SCRIPT, cases);
}

void ExpectMatchesPython(const std::vector<RenderCase>& cases) {
  std::vector<RenderResult> expected = RenderWithPython(cases);
  ASSERT_EQ(expected.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const RenderCase& c = cases[i];
    RenderResult actual = RenderWithEngine(c);
    SCOPED_TRACE(c.name + "\n  template: " + c.source + "\n  context: " + c.context_json);
    if (expected[i].ok) {
      EXPECT_TRUE(actual.ok) << "python rendered " << ::testing::PrintToString(expected[i].text)
                             << " but the engine failed: " << actual.text;
      if (actual.ok) {
        EXPECT_EQ(actual.text, expected[i].text);
      }
    } else {
      EXPECT_FALSE(actual.ok) << "python failed (" << expected[i].text << ") but the engine rendered "
                              << ::testing::PrintToString(actual.text);
      // raise_exception(message) raises jinja2's TemplateError itself (other failures are subclasses):
      // the engine must report the template's message verbatim.
      const std::string kRaised = "TemplateError: ";
      if (!actual.ok && expected[i].text.rfind(kRaised, 0) == 0) {
        EXPECT_EQ(actual.text, expected[i].text.substr(kRaised.size()));
      }
    }
  }
}

}  // namespace basalt::chat::testing
