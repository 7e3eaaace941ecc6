// jinja2's `is` tests (jinja2/tests.py).
#include "common/chat/args.h"
#include "common/chat/error.h"
#include "common/chat/filters.h"
#include "common/chat/operators.h"
#include "common/chat/py_str.h"
#include "common/chat/str_cat.h"

namespace basalt::chat {
namespace {

const Value& Arg(const CallArgs& args, const char* test) {
  ArgBinder b(test, args, {"other"}, 1);
  return *b.Get(0);
}

void NoArgs(const CallArgs& args, const char* test) { ArgBinder b(test, args, {}); }

bool IsOdd(Renderer&, const Value& v, const CallArgs& args) {
  NoArgs(args, "odd");
  return Equals(Arithmetic(BinaryExpr::Op::kMod, v, Value::Int(2)), Value::Int(1));
}

bool IsEven(Renderer&, const Value& v, const CallArgs& args) {
  NoArgs(args, "even");
  return Equals(Arithmetic(BinaryExpr::Op::kMod, v, Value::Int(2)), Value::Int(0));
}

bool IsDivisibleBy(Renderer&, const Value& v, const CallArgs& args) {
  ArgBinder b("divisibleby", args, {"num"}, 1);
  return Equals(Arithmetic(BinaryExpr::Op::kMod, v, *b.Get(0)), Value::Int(0));
}

// len() and __getitem__: str, list, tuple, dict; also jinja2's Undefined.
bool IsSequence(Renderer&, const Value& v, const CallArgs& args) {
  NoArgs(args, "sequence");
  return v.is_string() || v.is_dict() || v.is_undefined() || (v.is_list() && v.list().view_name.empty());
}

bool IsIterable(Renderer&, const Value& v, const CallArgs& args) {
  NoArgs(args, "iterable");
  return v.is_string() || v.is_list() || v.is_dict() || v.is_iterator() || v.is_undefined() || v.is_loop();
}

// Undefined and the loop object define __call__ in jinja2.
bool IsCallable(Renderer&, const Value& v, const CallArgs& args) {
  NoArgs(args, "callable");
  return v.is_callable() || v.is_loop() || v.is_undefined();
}

}  // namespace

void RegisterTests(TestTable& table) {
  table.insert({
      {"odd", IsOdd},
      {"even", IsEven},
      {"divisibleby", IsDivisibleBy},
      {"defined", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "defined"); return !v.is_undefined(); }},
      {"undefined", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "undefined"); return v.is_undefined(); }},
      {"none", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "none"); return v.is_none(); }},
      {"boolean", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "boolean"); return v.is_bool(); }},
      {"false", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "false"); return v.is_bool() && !v.as_bool(); }},
      {"true", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "true"); return v.is_bool() && v.as_bool(); }},
      {"integer", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "integer"); return v.is_int(); }},
      {"float", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "float"); return v.is_float(); }},
      {"number", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "number"); return v.is_number(); }},
      {"string", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "string"); return v.is_string(); }},
      {"mapping", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "mapping"); return v.is_dict(); }},
      {"lower", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "lower"); return pystr::IsAllCase(v.Str(), false); }},
      {"upper", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "upper"); return pystr::IsAllCase(v.Str(), true); }},
      {"sequence", IsSequence},
      {"iterable", IsIterable},
      {"callable", IsCallable},
      {"escaped", [](Renderer&, const Value&, const CallArgs& a) { NoArgs(a, "escaped"); return false; }},
      {"sameas", [](Renderer&, const Value& v, const CallArgs& a) { return v.Identical(Arg(a, "sameas")); }},
      {"in", [](Renderer&, const Value& v, const CallArgs& a) { return Contains(Arg(a, "in"), v); }},
      {"filter", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "filter"); return v.is_string() && FindFilter(v.str()) != nullptr; }},
      {"test", [](Renderer&, const Value& v, const CallArgs& a) { NoArgs(a, "test"); return v.is_string() && FindTest(v.str()) != nullptr; }},
  });
  const auto add_compare = [&table](std::initializer_list<std::string_view> names, TestFn fn) {
    for (std::string_view name : names) table.emplace(name, fn);
  };
  add_compare({"==", "eq", "equalto"}, [](Renderer&, const Value& v, const CallArgs& a) { return Equals(v, Arg(a, "eq")); });
  add_compare({"!=", "ne"}, [](Renderer&, const Value& v, const CallArgs& a) { return !Equals(v, Arg(a, "ne")); });
  add_compare({">", "gt", "greaterthan"}, [](Renderer&, const Value& v, const CallArgs& a) { return Compare(v, Arg(a, "gt"), ">") > 0; });
  add_compare({">=", "ge"}, [](Renderer&, const Value& v, const CallArgs& a) { return Compare(v, Arg(a, "ge"), ">=") >= 0; });
  add_compare({"<", "lt", "lessthan"}, [](Renderer&, const Value& v, const CallArgs& a) { return Compare(v, Arg(a, "lt"), "<") < 0; });
  add_compare({"<=", "le"}, [](Renderer&, const Value& v, const CallArgs& a) { return Compare(v, Arg(a, "le"), "<=") <= 0; });
}

}  // namespace basalt::chat
