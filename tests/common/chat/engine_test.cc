// Engine behaviour with fixed expectations: the public API's errors, the sandbox, the limits against
// hostile templates, Python number formatting, and concurrent use. (Differential tests against Python
// jinja2 are in differential_*_test.cc and real_templates_test.cc.)
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/chat/chat_template.h"
#include "common/chat/py_format.h"
#include "common/json/json.h"
#include "gtest/gtest.h"

namespace basalt::chat {
namespace {

absl::StatusOr<std::string> Render(std::string_view source, std::string_view context = "{}") {
  auto tmpl = ChatTemplate::Compile(source);
  if (!tmpl.ok()) return tmpl.status();
  auto doc = json::Parse(context);
  if (!doc.ok()) return doc.status();
  return (*tmpl)->Render(*doc);
}

void ExpectInvalid(std::string_view source, std::string_view message_part, std::string_view context = "{}") {
  auto out = Render(source, context);
  ASSERT_FALSE(out.ok()) << "rendered: " << *out;
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
  EXPECT_NE(std::string(out.status().message()).find(message_part), std::string::npos) << out.status();
}

TEST(ChatTemplateApi, RendersContextVariables) {
  auto out = Render("{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}",
                    R"({"bos_token": "<s>", "messages": [{"role": "user", "content": "hi"}]})");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "<s><user>hi");
}

TEST(ChatTemplateApi, SyntaxErrorNamesLine) {
  auto tmpl = ChatTemplate::Compile("line one\n{% if x %}\n{{ 1 + }}\n{% endif %}");
  ASSERT_FALSE(tmpl.ok());
  EXPECT_EQ(tmpl.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(tmpl.status().message()).find("line 3"), std::string::npos) << tmpl.status();
}

TEST(ChatTemplateApi, MissingEndTagIsSyntaxError) { ExpectInvalid("{% for x in y %}never closed", "endfor"); }

TEST(ChatTemplateApi, RaiseExceptionMessagePassesThrough) {
  auto out = Render("{{ raise_exception('Conversation roles must alternate user/assistant') }}");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "Conversation roles must alternate user/assistant");
}

TEST(ChatTemplateApi, RuntimeErrorNamesLine) {
  auto out = Render("ok\n{{ 1 }}\n{{ 'a' + 1 }}");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(std::string(out.status().message()).find("line 3"), std::string::npos) << out.status();
  EXPECT_NE(std::string(out.status().message()).find("can only concatenate str"), std::string::npos) << out.status();
}

TEST(ChatTemplateApi, ContextMustBeAnObject) {
  auto tmpl = ChatTemplate::Compile("x");
  ASSERT_TRUE(tmpl.ok());
  rapidjson::Document array(rapidjson::kArrayType);
  EXPECT_EQ((*tmpl)->Render(array).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ChatTemplateApi, TemplateIsReusableAcrossThreads) {
  auto tmpl = ChatTemplate::Compile(
      "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{{ m|upper }}{% endfor %}{{ ns.n }}");
  ASSERT_TRUE(tmpl.ok());
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::string ctx = R"({"messages": [")" + std::to_string(t) + R"(a", "b"]})";
      auto doc = json::Parse(ctx);
      for (int i = 0; i < 200; ++i) {
        auto out = (*tmpl)->Render(*doc);
        outputs[t] = out.ok() ? *out : std::string(out.status().message());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(outputs[t], std::to_string(t) + "AB2");
}

TEST(Sandbox, RefusesDunderAttributes) {
  ExpectInvalid("{{ ''.__class__ }}", "unsafe");
  ExpectInvalid("{{ messages.__len__() }}", "unsafe", R"({"messages": []})");
  ExpectInvalid("{{ cycler.__init__ }}", "unsafe");
  ExpectInvalid("{{ ''|attr('__class__') }}", "unsafe");
}

TEST(Sandbox, RefusesMutatingMethods) {
  ExpectInvalid("{% set l = [1] %}{{ l.append(2) }}", "unsafe");
  ExpectInvalid("{% set l = [1] %}{{ l.pop() }}", "unsafe");
  ExpectInvalid("{% set d = {} %}{{ d.update({'a': 1}) }}", "unsafe");
  ExpectInvalid("{% set d = {'a': 1} %}{{ d.setdefault('b', 2) }}", "unsafe");
  ExpectInvalid("{{ messages.clear() }}", "unsafe", R"({"messages": [1]})");
}

TEST(Sandbox, ContextIsNotMutatedAcrossRenders) {
  auto tmpl = ChatTemplate::Compile("{% set ns = namespace(x=messages) %}{{ ns.x|length }}{% set ns.x = [] %}");
  ASSERT_TRUE(tmpl.ok());
  auto doc = json::Parse(R"({"messages": [1, 2, 3]})");
  EXPECT_EQ(*(*tmpl)->Render(*doc), "3");
  EXPECT_EQ(*(*tmpl)->Render(*doc), "3");
}

TEST(Sandbox, NoFileAccessTags) {
  ExpectInvalid("{% include '/etc/passwd' %}", "not supported");
  ExpectInvalid("{% from 'x' import y %}", "not supported");
}

TEST(Limits, OutputSize) {
  ExpectInvalid("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "exceeds");
}

TEST(Limits, StringRepetition) { ExpectInvalid("{{ 'x' * 1000000000 }}", "too large"); }

TEST(Limits, ListRepetition) { ExpectInvalid("{{ ([1] * 100000000)|length }}", "too large"); }

TEST(Limits, WorkBudgetStopsNestedLoops) {
  ExpectInvalid("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "work budget");
}

TEST(Limits, StringBuildingIsBudgeted) {
  // Each iteration builds a new 10 MB string; the work budget stops it long before memory runs out.
  ExpectInvalid(
      "{% set ns = namespace(l=[]) %}{% set a = 'x' * 10000000 %}"
      "{% for i in range(1000) %}{% set ns.l = ns.l + [a ~ i] %}{% endfor %}{{ ns.l|length }}",
      "work budget");
}

TEST(Limits, QuadraticListBuildingIsBudgeted) {
  ExpectInvalid(
      "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = ns.l + [i] %}{% endfor %}",
      "work budget");
}

TEST(Limits, RangeIsCapped) { ExpectInvalid("{{ range(1000000)|length }}", "MAX_RANGE"); }

TEST(Limits, MacroRecursion) {
  ExpectInvalid("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "call depth");
}

TEST(Limits, RecursiveLoop) {
  ExpectInvalid("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", "call depth");
}

TEST(Limits, ParserNesting) {
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  ExpectInvalid(deep, "nesting");
  std::string deep_not = "{{ " + std::string(0, ' ');
  for (int i = 0; i < 5000; ++i) deep_not += "not ";
  ExpectInvalid(deep_not + "1 }}", "nesting");
  std::string deep_blocks;
  for (int i = 0; i < 5000; ++i) deep_blocks += "{% if true %}";
  ExpectInvalid(deep_blocks, "nesting");
}

TEST(Limits, NestedValuesBuiltByTemplate) {
  ExpectInvalid("{% set ns = namespace(x=[]) %}{% for i in range(5000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}",
                "nested");
}

TEST(Limits, DeeplyNestedContext) {
  std::string ctx = R"({"x": )" + std::string(2000, '[') + std::string(2000, ']') + "}";
  ExpectInvalid("{{ x }}", "nested", ctx);
}

TEST(Limits, NamespaceCycleRendersLikePython) {
  auto out = Render("{% set ns = namespace() %}{% set ns.self = ns %}{{ ns }}");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, "<Namespace {'self': <Namespace {...}>}>");
}

TEST(PythonFormat, FloatRepr) {
  EXPECT_EQ(FormatFloat(1.0), "1.0");
  EXPECT_EQ(FormatFloat(0.1), "0.1");
  EXPECT_EQ(FormatFloat(1e16), "1e+16");
  EXPECT_EQ(FormatFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(FormatFloat(1.5e-5), "1.5e-05");
  EXPECT_EQ(FormatFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatFloat(-0.0), "-0.0");
  EXPECT_EQ(FormatFloat(123456789.125), "123456789.125");
  EXPECT_EQ(FormatFloat(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FormatFloat(5e-324), "5e-324");
}

TEST(PythonFormat, StringRepr) {
  EXPECT_EQ(StringRepr("it's"), "\"it's\"");
  EXPECT_EQ(StringRepr("say \"hi\""), "'say \"hi\"'");
  EXPECT_EQ(StringRepr("both ' \""), "'both \\' \"'");
  EXPECT_EQ(StringRepr("a\nb\x01"), "'a\\nb\\x01'");
  EXPECT_EQ(StringRepr("é\u00a0"), "'é\\xa0'");
}

TEST(Strftime, FormatsCurrentTime) {
  auto out = Render("{{ strftime_now('%Y-%m-%d') }}");
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 10u);
  EXPECT_EQ((*out)[4], '-');
  auto empty = Render("[{{ strftime_now('') }}]");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "[]");
}

// Where the engine knowingly differs from jinja2 (documented in chat_template.h's neighbours): these pin the
// chosen behaviour.
TEST(KnownDifferences, RangeIsAList) { EXPECT_EQ(*Render("{{ range(3) }}"), "[0, 1, 2]"); }

TEST(KnownDifferences, IntegersAre64Bit) { ExpectInvalid("{{ 2 ** 64 }}", "64-bit"); }

}  // namespace
}  // namespace basalt::chat
